// Shared context (issue 16), with the server in its own process:
//  - paced: 50 writers on one document, each a PATCH every 250 ms (200 writes/s in all) for 10 s: half
//    increment one counter (merges, which never conflict), half replace their own key with If-Match on the
//    version they last saw (stale but disjoint: applied by rebase). Latency as the client sees it.
//    Target: p99 ≤ 15 ms on PostgreSQL; PGlite reported. Every write must land (the counter is exact).
//    Three rounds of `seconds` each; the p99 quoted is the median of the rounds' p99s (2 shared cores give
//    one round in three a tail twice the others'). The writers use node:http, not fetch: fetch spends
//    several times the CPU per request, taken from the server being measured on the same 2 cores.
//  - burst: 50 writers × 200 increments back to back: writes/s, p99, and the final value exactly 10,000.
//  - mcp: the same read (the plan's document, found by scope and read by id) from an OpenCode session's
//    MCP tool call, from an MCP client here, and over REST here; and a built-in OpenCode tool (read) as the
//    floor of a tool call in OpenCode. Medians of OpenCode's own tool timings and of client round trips.
// Run alone: npx tsx bench/context.ts [--db=pglite,postgres] [--seconds=10] [--rounds=3] [--client=http|fetch] [--mcp=20]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { api, light } from "./lib/api.ts";
import { child } from "./lib/child.ts";
import { median, ms, pct, table } from "./lib/stats.ts";
import { type Db, type Targets, alone, each } from "./lib/target.ts";
import { mcpRound } from "./lib/mcp.ts";

export interface Options {
  seconds: number;
  calls: number;
  rounds: number;
  /** The writers' HTTP client: node:http (the default), or fetch to compare with earlier rounds. */
  client: "http" | "fetch";
}
export const defaults: Options = { seconds: 10, calls: 20, rounds: 3, client: "http" };

export interface Result {
  db: string;
  paced: {
    n: number;
    p50: number;
    p99: number;
    /** Each round's p99. */
    rounds: number[];
    inc99: number;
    set99: number;
    refused: number;
    exact: boolean;
  };
  burst: { n: number; ms: number; p99: number; exact: boolean };
}

const writers = 50;

export async function run(db: Db, o: Options = defaults): Promise<Result> {
  const config = { ...db.options.config, port: 0, logLevel: "silent" };
  const srv = child("server.ts", [JSON.stringify({ ...db.options, config })]);
  try {
    const { url, adminKey } = await srv.next<{ url: string; adminKey: string }>();
    const a = api(url, adminKey);
    const send = o.client === "fetch" ? viaFetch(url) : light(url);
    const patch = async (id: string, ops: unknown[], version?: number) => {
      const res = await send(
        "PATCH",
        `/api/v1/contexts/${id}`,
        {
          authorization: `Bearer ${adminKey}`,
          "content-type": "application/json",
          ...(version === undefined ? {} : { "if-match": `"${version}"` }),
        },
        JSON.stringify({ ops }),
      );
      const body = JSON.parse(res.text) as { version?: number };
      return { status: res.status, version: body.version };
    };
    // paced
    const doc = await a.call("POST", "/api/v1/contexts", { scope: "plan", ownerId: "bench", name: "paced" });
    // 50 writers at one write each per 250 ms, for `seconds`: even ones increment /n, odd ones set their
    // own key with If-Match on the version they last saw (stale by the others' writes, disjoint from them).
    const lat: number[] = [];
    const latInc: number[] = [];
    const latSet: number[] = [];
    let refused = 0;
    let increments = 0;
    const seen = Array.from({ length: writers }, () => 0); // the version each writer last saw
    const paced = (seconds: number, measure: boolean) => {
      const end = performance.now() + seconds * 1000;
      return Promise.all(
        Array.from({ length: writers }, async (_, w) => {
          await new Promise((r) => setTimeout(r, (w * 250) / writers)); // spread over a period
          for (let k = 0; performance.now() < end; k++) {
            const due = performance.now() + 250;
            const t0 = performance.now();
            const r =
              w % 2
                ? await patch(doc.id, [{ op: "add", path: `/w${w}`, value: k }], seen[w])
                : await patch(doc.id, [{ op: "increment", path: "/n", value: 1 }]);
            const took = performance.now() - t0;
            if (r.status !== 200) refused++;
            else if (w % 2 === 0) increments++;
            if (measure) {
              lat.push(took);
              (w % 2 ? latSet : latInc).push(took);
            }
            seen[w] = r.version ?? seen[w]!;
            await new Promise((res) => setTimeout(res, Math.max(0, due - performance.now())));
          }
        }),
      );
    };
    // Warm up at the same pace, unmeasured: the server's first second (its pool's connections, the JIT)
    // is start-up, not what a writer sees.
    await paced(2, false);
    const rounds: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const from = lat.length;
      await paced(o.seconds, true);
      rounds.push(pct(lat.slice(from), 99));
    }
    const after = await a.call("GET", `/api/v1/contexts/${doc.id}`);
    // burst
    const hot = await a.call("POST", "/api/v1/contexts", { scope: "plan", ownerId: "bench", name: "burst" });
    const blat: number[] = [];
    const t1 = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async () => {
        for (let k = 0; k < 200; k++) {
          const t0 = performance.now();
          const r = await patch(hot.id, [{ op: "increment", path: "/n", value: 1 }]);
          if (r.status !== 200) throw new Error(`an increment was refused: ${r.status}`);
          blat.push(performance.now() - t0);
        }
      }),
    );
    const burstMs = performance.now() - t1;
    const final = await a.call("GET", `/api/v1/contexts/${hot.id}`);
    return {
      db: db.label,
      paced: {
        n: lat.length,
        p50: pct(lat, 50),
        p99: median(rounds),
        rounds,
        inc99: pct(latInc, 99),
        set99: pct(latSet, 99),
        refused,
        exact: after.data.n === increments,
      },
      burst: { n: blat.length, ms: burstMs, p99: pct(blat, 99), exact: final.data.n === writers * 200 },
    };
  } finally {
    await srv.stop();
  }
}

const viaFetch =
  (url: string) => async (method: string, path: string, headers: Record<string, string>, body?: string) => {
    const res = await fetch(url + path, { method, headers, body });
    return { status: res.status, text: await res.text() };
  };

export function report(r: Result): string {
  return `shared context on ${r.db}\n${table([
    ["measure", "value", "target"],
    [`paced: 50 writers, 200 writes/s, p50 (n=${r.paced.n})`, ms(r.paced.p50), ""],
    [
      `… p99, median of ${r.paced.rounds.length} rounds`,
      ms(r.paced.p99),
      r.db.startsWith("PGlite") ? "reported" : "≤ 15 ms",
    ],
    ["… each round's p99", r.paced.rounds.map((v) => ms(v)).join(", "), ""],
    [
      "… p99 of the increments / of the If-Match writes (all rounds)",
      `${ms(r.paced.inc99)} / ${ms(r.paced.set99)}`,
      "",
    ],
    [
      "… refused (should be 0) / counter exact",
      `${r.paced.refused} / ${r.paced.exact ? "yes" : "NO"}`,
      "0 / yes",
    ],
    [
      `burst: 50 × 200 increments back to back`,
      `${Math.round((r.burst.n / r.burst.ms) * 1000)} writes/s`,
      "",
    ],
    ["… p99 / final value exactly 10,000", `${ms(r.burst.p99)} / ${r.burst.exact ? "yes" : "NO"}`, "yes"],
  ])}`;
}

export async function main(t: Targets, o: Options = defaults) {
  const out = await each(t, "context", (db) => run(db, o), report);
  const root = mkdtempSync(path.join(tmpdir(), "io-bench-mcp-"));
  try {
    const m = await mcpRound(root, o.calls);
    console.log(
      `MCP round trip (PGlite in memory, one OpenCode server, ${o.calls} calls each; medians)\n${table([
        ["call", "median", "p90"],
        [
          "OpenCode → orchestrator_context_get (OpenCode's tool timing)",
          ms(median(m.opencodeMcp)),
          ms(pct(m.opencodeMcp, 90)),
        ],
        [
          "OpenCode → built-in read of a small file (the floor)",
          ms(median(m.opencodeRead)),
          ms(pct(m.opencodeRead, 90)),
        ],
        [
          "MCP client here → tools/call contexts_list + resources/read",
          ms(median(m.clientMcp)),
          ms(pct(m.clientMcp, 90)),
        ],
        ["REST here → GET /contexts?… + GET /contexts/{id}", ms(median(m.rest)), ms(pct(m.rest, 90))],
      ])}\n`,
    );
    return { db: out, mcp: m };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await alone(import.meta.url, (t, f) =>
  main(t, {
    seconds: f.num("seconds", defaults.seconds),
    calls: f.num("mcp", defaults.calls),
    rounds: f.num("rounds", defaults.rounds),
    client: f.map.get("client") === "fetch" ? "fetch" : "http",
  }),
);
