import { type Event, watch } from "@orchestrator/sdk";
import { afterAll, beforeAll, expect, test } from "vitest";
import WebSocket from "ws";
import { type TestServer, create, serve, settle } from "./harness.ts";

// The SDK's WebSocket watch (what the Control Room uses) against a real server.
let s: TestServer;
beforeAll(async () => {
  s = await serve();
});
afterAll(async () => {
  await s?.stop();
});

const socket = (url: string, protocols: string[]) => new WebSocket(url, protocols) as never;

test("a watch replays a session from the start, survives dropped connections, and delivers each event once", async () => {
  const prompt = Array.from({ length: 8 }, (_, i) => `emit 5 part-${i}\nsleep 150`).join("\n") + "\nsucceed";
  const { id } = await create(s, { prompt, capabilities: ["scripted"] });
  const got: Event[] = [];
  const states: string[] = [];
  const w = watch({
    url: s.url,
    key: s.key,
    session: id,
    after: 0,
    socket,
    onEvent: (e) => got.push(e),
    onState: (st) => states.push(st),
  });
  // Cut the connection three times while the session runs.
  for (let i = 0; i < 3; i++) {
    await expect.poll(() => got.length, { timeout: 10_000 }).toBeGreaterThan(i * 10 + 5);
    w.reconnect();
    await expect.poll(() => states.at(-1)).toBe("live");
  }
  const done = await settle(s, id, ["completed"]);
  await expect.poll(() => got.length, { timeout: 10_000 }).toBe(done.lastSeq);
  w.close();
  expect(got.map((e) => e.seq)).toEqual(Array.from({ length: done.lastSeq }, (_, i) => i + 1));
  expect(states.filter((x) => x === "live").length, states.join(",")).toBeGreaterThanOrEqual(4);
});

test("a tenant watch sees events of every session from when it opened; a bad key never goes live", async () => {
  const got: Event[] = [];
  const live = new Promise<void>((resolve) => {
    const w = watch({
      url: s.url,
      key: s.key,
      socket,
      onEvent: (e) => got.push(e),
      onState: (st) => st === "live" && resolve(),
    });
    afterAll(() => w.close());
  });
  await live;
  const a = await create(s, { prompt: "succeed", capabilities: ["scripted"] });
  const b = await create(s, { prompt: "succeed", capabilities: ["scripted"] });
  await settle(s, a.id, ["completed"]);
  await settle(s, b.id, ["completed"]);
  await expect.poll(() => new Set(got.map((e) => e.sessionId)).size).toBe(2);
  const ids = got.map((e) => e.id);
  expect(ids).toEqual([...ids].sort((x, y) => x - y));

  const states: string[] = [];
  const bad = watch({
    url: s.url,
    key: "io_000000000000_nope",
    socket,
    offlineAfter: 2,
    onEvent: () => {},
    onState: (st) => states.push(st),
  });
  await expect.poll(() => states.includes("offline"), { timeout: 10_000 }).toBe(true);
  bad.close();
  expect(states).not.toContain("live");
});

test("with ?batch=1 a socket carries arrays of events: a replay is a few messages, not one per event", async () => {
  const { id } = await create(s, { prompt: "emit 600 x\nsucceed", capabilities: ["scripted"] });
  const done = await settle(s, id, ["completed"]);
  const ws = new WebSocket(`${s.url.replace("http", "ws")}/ws/sessions/${id}?batch=1&after=0`, {
    headers: { authorization: `Bearer ${s.key}` },
  });
  const messages: unknown[][] = [];
  ws.on("message", (m) => messages.push(JSON.parse(String(m))));
  await expect.poll(() => messages.flat().length).toBe(done.lastSeq);
  ws.close();
  expect(messages.every(Array.isArray)).toBe(true);
  expect(messages.length).toBeLessThan(10);
  expect(messages.flat().map((e: any) => e.seq)).toEqual(
    Array.from({ length: done.lastSeq }, (_, i) => i + 1),
  );
});

test("a subscriber that arrives while the tenant's last one leaves is still woken (a reconnect race)", async () => {
  const hub = s.deps.hub;
  const tenantId = s.deps.defaultTenant;
  const a = await hub.subscribe({ tenantId }, () => {});
  const got: Event[] = [];
  // B's subscribe awaits the database for its start while A, the tenant's only other subscriber, leaves.
  const b = hub.subscribe({ tenantId }, (events) => void got.push(...events));
  a.close();
  const sub = await b;
  const { id } = await create(s, { prompt: "emit 3 x\nsucceed", capabilities: ["scripted"] });
  await settle(s, id, ["completed"]);
  await expect
    .poll(() => got.filter((e) => e.sessionId === id).length, { timeout: 5_000 })
    .toBeGreaterThan(3);
  sub.close();
});
