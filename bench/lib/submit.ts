// Child process: create sessions that ask for capabilities (so routing picks an external agent), either
// in a closed-loop burst (`inflight` creates at a time) or one at a time, each created only once the
// previous one has completed, as heard on the tenant's event stream (/ws/sessions). Prints one JSON line.
import WebSocket from "ws";
import { terminal } from "@orchestrator/sdk";
import { api } from "./api.ts";
import { reply } from "./child.ts";
import { summary } from "./stats.ts";

export interface Plan {
  url: string;
  key: string;
  capabilities: string[];
  mode: "burst" | "serial";
  n: number;
  /** burst: concurrent creates. */
  inflight?: number;
}

export interface Result {
  ids: string[];
  /** Epoch ms at which each create was sent (same order as ids). */
  sent: number[];
  /** serial: epoch ms at which the client heard each one complete. */
  heard: number[];
  /** Epoch ms just before the first create was sent. */
  firstSent: number;
  /** Client round trip of POST /sessions. */
  post: ReturnType<typeof summary>;
}

const plan = JSON.parse(process.argv[2] ?? "{}") as Plan;
const a = api(plan.url, plan.key);
const ids: string[] = new Array(plan.n);
const sent: number[] = new Array(plan.n);
const heard: number[] = [];
const post: number[] = [];
const now = () => performance.timeOrigin + performance.now();

async function create(i: number): Promise<string> {
  const t = performance.now();
  sent[i] = performance.timeOrigin + t;
  const s = await a.call<{ id: string }>("POST", "/api/v1/sessions", {
    title: `bench ${i}`,
    prompt: "answer at once",
    capabilities: plan.capabilities,
  });
  post.push(performance.now() - t);
  ids[i] = s.id;
  return s.id;
}

/** The tenant's live stream: resolves each session's wait when its terminal status event arrives. */
async function stream(): Promise<{ ended(id: string): Promise<string>; close(): void }> {
  const ws = new WebSocket(`${plan.url.replace(/^http/, "ws")}/ws/sessions`, {
    perMessageDeflate: false,
    headers: { authorization: `Bearer ${plan.key}` },
  });
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  // The end may be heard before the create's answer arrives: keep it until someone asks.
  const early = new Map<string, string>();
  const waiting = new Map<string, (status: string) => void>();
  ws.on("message", (raw) => {
    const e = JSON.parse(String(raw)) as { sessionId: string; type: string; data: { to?: string } };
    if (e.type !== "session.status" || !(terminal as readonly string[]).includes(e.data.to ?? "")) return;
    const w = waiting.get(e.sessionId);
    if (w) w(e.data.to!);
    else early.set(e.sessionId, e.data.to!);
  });
  ws.on("close", () => {
    for (const w of waiting.values()) w("stream closed");
  });
  return {
    ended: (id) =>
      early.has(id)
        ? Promise.resolve(early.get(id)!)
        : new Promise((r) => {
            // A lost session should fail the benchmark, not hang it.
            const timer = setTimeout(() => r("not heard of within 30 s"), 30_000);
            waiting.set(id, (status) => {
              clearTimeout(timer);
              waiting.delete(id);
              r(status);
            });
          }),
    close: () => ws.close(),
  };
}

// Warm the connection and the route once, outside the measurement.
await a.call("GET", "/api/v1/agents");

const firstSent = Date.now();
if (plan.mode === "burst") {
  let next = 0;
  const worker = async () => {
    while (next < plan.n) await create(next++);
  };
  await Promise.all(Array.from({ length: plan.inflight ?? 32 }, worker));
} else {
  const s = await stream();
  for (let i = 0; i < plan.n; i++) {
    const status = await s.ended(await create(i));
    heard.push(now());
    if (status !== "completed") throw new Error(`session ${ids[i]} ended ${status}`);
  }
  s.close();
}
reply({ ids, sent, heard, firstSent, post: summary(post) } satisfies Result);
