// Child process: create sessions over HTTP, closed-loop ("burst": N creates, `inflight` at a time) or
// open-loop ("open": one create every 1000/rate ms whether or not earlier ones have answered). Prints one
// JSON line with the session ids and client-side timings.
import { api } from "./api.ts";
import { reply } from "./child.ts";
import { summary } from "./stats.ts";

export interface Plan {
  url: string;
  key: string;
  mode: "burst" | "open";
  n: number;
  inflight?: number;
  rate?: number;
  prompt: string;
}

export interface Result {
  ids: string[];
  /** Epoch ms at which each create was sent (same order as ids). */
  sent: number[];
  /** Epoch ms just before the first create was sent and when the last create answered. */
  firstSent: number;
  lastAnswered: number;
  /** Client round trip of POST /sessions. */
  post: ReturnType<typeof summary>;
  /** Open loop: how late the generator fired creates behind schedule (its own lag, not the server's). */
  lateness: ReturnType<typeof summary> | null;
}

const plan = JSON.parse(process.argv[2] ?? "{}") as Plan;
const a = api(plan.url, plan.key);
const ids: string[] = new Array(plan.n);
const sent: number[] = new Array(plan.n);
const post: number[] = [];
const late: number[] = [];

async function create(i: number): Promise<void> {
  const t = performance.now();
  sent[i] = performance.timeOrigin + t;
  const s = await a.call<{ id: string }>("POST", "/api/v1/sessions", {
    title: `bench ${i}`,
    prompt: plan.prompt,
  });
  post.push(performance.now() - t);
  ids[i] = s.id;
}

// Warm the connection pool and the route once, outside the measurement.
await a.call("GET", "/api/v1/agents");

const firstSent = Date.now();
if (plan.mode === "burst") {
  let next = 0;
  const worker = async () => {
    while (next < plan.n) await create(next++);
  };
  await Promise.all(Array.from({ length: plan.inflight ?? 16 }, worker));
} else {
  const interval = 1000 / (plan.rate ?? 100);
  const t0 = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < plan.n; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    late.push(Math.max(0, performance.now() - due));
    pending.push(create(i));
  }
  await Promise.all(pending);
}
const result: Result = {
  ids,
  sent,
  firstSent,
  lastAnswered: Date.now(),
  post: summary(post),
  lateness: late.length ? summary(late) : null,
};
reply(result);
