// Replay: one session with 10,000 events, then the time to read all of them from seq 0 over SSE, over a
// WebSocket, and as JSON pages (limit 1000). The server runs in its own process.
// Run alone: npx tsx bench/replay.ts [--db=pglite,postgres] [--events=10000] [--runs=3]
import { Sse } from "@orchestrator/sdk";
import WebSocket from "ws";
import { type Api, type Event, api, settle } from "./lib/api.ts";
import { child } from "./lib/child.ts";
import { median, ms, verdict } from "./lib/stats.ts";
import { type Db, type Targets, each, alone } from "./lib/target.ts";

export interface Options {
  events: number;
  runs: number;
}

export const defaults: Options = { events: 10_000, runs: 3 };

type Method = "json" | "sse" | "ws";
export const methods: Method[] = ["json", "sse", "ws"];

export interface Result {
  db: string;
  events: number;
  /** How fast the scripted agent's events went in (one transaction each). */
  insertPerSec: number;
  times: Record<Method, number[]>;
}

export async function run(db: Db, o: Options = defaults): Promise<Result> {
  const srv = child("server.ts", [
    JSON.stringify({ ...db.options, config: { ...db.options.config, port: 0, logLevel: "silent" } }),
  ]);
  try {
    const { url, adminKey } = await srv.next<{ url: string; adminKey: string }>();
    const a = api(url, adminKey);
    const t0 = performance.now();
    const session = await a.call<{ id: string }>("POST", "/api/v1/sessions", {
      title: "replay",
      prompt: `emit ${o.events} replay\nsucceed`,
    });
    const end = await settle(a, session.id, 600_000);
    if (end.status !== "completed") throw new Error(`the replay session ended ${end.status}`);
    const insertPerSec = o.events / ((performance.now() - t0) / 1000);

    const last = (await pages(a, session.id)).at(-1)!.seq;
    const read: Record<Method, (a: Api, id: string, last: number) => Promise<Event[]>> = {
      json: pages,
      sse,
      ws,
    };
    const times: Record<Method, number[]> = { json: [], sse: [], ws: [] };
    for (let r = 0; r < o.runs; r++) {
      for (const m of methods) {
        const t = performance.now();
        const events = await read[m](a, session.id, last);
        times[m].push(performance.now() - t);
        check(m, events, last);
      }
    }
    return { db: db.label, events: last, insertPerSec, times };
  } finally {
    await srv.stop();
  }
}

/** Every seq from 1 to last, once, in order: a replay that is fast but wrong does not count. */
function check(m: Method, events: Event[], last: number): void {
  if (events.length !== last || events.some((e, i) => e.seq !== i + 1))
    throw new Error(`${m}: replay returned ${events.length} events, not seq 1..${last} in order`);
}

/** Every event of a session, as JSON pages of 1,000. */
export async function pages(a: Api, id: string): Promise<Event[]> {
  const out: Event[] = [];
  for (;;) {
    const after = out.at(-1)?.seq ?? 0;
    const { items } = await a.call<{ items: Event[] }>(
      "GET",
      `/api/v1/sessions/${id}/events?after=${after}&limit=1000`,
    );
    out.push(...items);
    if (items.length < 1000) return out;
  }
}

async function sse(a: Api, id: string, last: number): Promise<Event[]> {
  const abort = new AbortController();
  const res = await fetch(`${a.url}/api/v1/sessions/${id}/events?after=0`, {
    headers: { authorization: `Bearer ${a.key}`, accept: "text/event-stream" },
    signal: abort.signal,
  });
  const out: Event[] = [];
  const decoder = new TextDecoder();
  const parse = Sse.parser();
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const m of parse.push(decoder.decode(value, { stream: true })))
        out.push(JSON.parse(m.data) as Event);
      if (out.at(-1)?.seq === last) break;
    }
  } finally {
    abort.abort();
  }
  return out;
}

function ws(a: Api, id: string, last: number): Promise<Event[]> {
  return new Promise((resolve, reject) => {
    const out: Event[] = [];
    const sock = new WebSocket(`${a.url.replace(/^http/, "ws")}/ws/sessions/${id}?after=0`, {
      perMessageDeflate: false,
      headers: { authorization: `Bearer ${a.key}` },
    });
    sock.once("error", reject);
    sock.on("message", (raw) => {
      const e = JSON.parse(String(raw)) as Event;
      out.push(e);
      if (e.seq === last) {
        sock.terminate();
        resolve(out);
      }
    });
  });
}

export function report(r: Result): string {
  const label: Record<Method, string> = { json: "JSON pages (limit 1000)", sse: "SSE", ws: "WebSocket" };
  return [
    `replay — ${r.db}: ${r.events} events from seq 0 (inserted at ${r.insertPerSec.toFixed(0)} events/s, one write each)`,
    ...methods.map((m) => {
      const med = median(r.times[m]);
      return `  ${label[m].padEnd(24)} median ${ms(med, 0)}  (runs: ${r.times[m].map((t) => t.toFixed(0)).join(", ")} ms) — target ≤ 200 ms: ${verdict(med, 200)}`;
    }),
  ].join("\n");
}

export const main = (t: Targets, o: Options): Promise<Result[]> =>
  each(
    t,
    "replay",
    (db) => run(db, o),
    (r) => report(r),
  );

await alone(import.meta.url, (t, f) =>
  main(t, { events: f.num("events", defaults.events), runs: f.num("runs", defaults.runs) }),
);
