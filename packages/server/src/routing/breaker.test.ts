import { describe, expect, test } from "vitest";
import { type Outcome, policy, replay } from "./breaker.ts";
import { assign, rank, type Candidate, type Need } from "./score.ts";
import { contenders } from "./route.ts";

const run = (ok: boolean, at: number): Outcome => ({ startedAt: at - 10, endedAt: at, ok });

describe("breaker", () => {
  test("opens below 30 % over five, probes after the cool-down, closes after two good probes", () => {
    const fails = [1, 2, 3, 4, 5].map((i) => run(false, i * 100));
    expect(replay(fails.slice(0, 4), 1000).breaker.state).toBe("closed"); // four say too little
    const open = replay(fails, 1000);
    expect(open.breaker).toMatchObject({ state: "open", reason: "5 of the last 5 attempts failed" });
    const later = 500 + policy.coolDownMs;
    expect(replay(fails, later).breaker.state).toBe("half_open");
    const probes = [...fails, run(true, later + 100), run(true, later + 200)];
    const closed = replay(probes, later + 300);
    expect(closed.breaker.state).toBe("closed");
    expect(closed.transitions.map((t) => t.to)).toEqual(["open", "half_open", "closed"]);
    const reopened = replay([...fails, run(false, later + 100)], later + 200);
    expect(reopened.breaker.state).toBe("open");
  });

  test("hysteresis: between 30 % and the window it stays closed", () => {
    const mixed = [false, true, false, true, false, false, true].map((ok, i) => run(ok, i * 10 + 10));
    expect(replay(mixed, 100).breaker.state).toBe("closed"); // 3 of 7 succeeded: 43 %
  });
});

const agent = (over: Partial<Candidate>): Candidate => ({
  id: over.name ?? "a",
  name: "a",
  kind: "eap",
  tenantId: null,
  capabilities: ["x-a"],
  capacity: 2,
  load: 0,
  status: "online",
  breaker: "closed",
  tier: "competent",
  success: {},
  ...over,
});
const need: Need = {
  tenantId: "t",
  type: "execution",
  capabilities: ["x-a"],
  pin: null,
  prefer: { agents: [], origin: null },
  avoid: null,
};

describe("routing", () => {
  test("filters by capability, status and breaker, and says why nothing fits", () => {
    expect(rank({ ...need, capabilities: ["x-b"] }, [agent({})]).reason).toMatch(
      /no registered agent has x-b/,
    );
    expect(rank(need, [agent({ status: "offline" })]).reason).toMatch(/offline/);
    expect(rank(need, [agent({ breaker: "open" })]).reason).toMatch(/circuit breaker/);
  });

  test("scores the measured, idle and preferred agent higher; a retry avoids the failed one", () => {
    const list = [
      agent({ name: "busy", load: 2, capacity: 2 }),
      agent({ name: "good", success: { execution: 0.95 } }),
      agent({ name: "fair", success: { execution: 0.6 } }),
    ];
    expect(rank(need, list).ranked.map((s) => s.agent.name)).toEqual(["good", "fair", "busy"]);
    expect(rank({ ...need, prefer: { agents: ["fair"], origin: null } }, list).ranked[0]!.agent.name).toBe(
      "fair",
    );
    expect(rank({ ...need, avoid: "good" }, list).ranked[0]!.agent.name).toBe("fair");
  });

  test("assign never gives an agent more than its room, nor this node more than its slots", () => {
    const a = agent({ name: "x", capacity: 2 });
    const s = agent({ name: "s", kind: "scripted", capabilities: ["scripted"], capacity: 10 });
    const items = Array.from({ length: 5 }, (_, i) => ({ item: i, ranked: [{ agent: a, score: 1 }] }));
    expect(assign(items, 0).filter((o) => o.pick).length).toBe(2);
    const local = Array.from({ length: 5 }, (_, i) => ({ item: i, ranked: [{ agent: s, score: 1 }] }));
    expect(assign(local, 3).filter((o) => o.pick).length).toBe(3);
    const half = agent({ name: "h", breaker: "half_open", capacity: 5 });
    expect(
      assign(
        items.map((i) => ({ ...i, ranked: [{ agent: half, score: 1 }] })),
        0,
      ).filter((o) => o.pick).length,
    ).toBe(1);
  });
});

describe("contenders", () => {
  test("a batch is not stuck behind busy favourites: runners-up with room are locked too, until the batch fits", () => {
    const elite = [1, 2, 3, 4, 5].map((i) => agent({ name: `e${i}`, tier: "elite", load: 1 }));
    const idle = [1, 2, 3, 4, 5, 6].map((i) => agent({ name: `i${i}` }));
    const ranked = rank(need, [...elite, ...idle]).ranked;
    expect(ranked.slice(0, 5).map((s) => s.agent.name)).toEqual(["e1", "e2", "e3", "e4", "e5"]);
    const picked = contenders(ranked, 8).map((s) => s.agent.name);
    // The five best have one seat each; eight sessions need idle runners-up too: two of capacity 2.
    expect(picked).toEqual(["e1", "e2", "e3", "e4", "e5", "i1", "i2"]);
    expect(contenders(ranked, 1).length).toBe(5);
  });
});
