// All benchmarks, on each database, then one summary table against the targets.
//   npm run bench -- [--db=pglite,postgres] [--only=throughput,fanout,replay,start,overhead,agents,dashboard,plans] [--json=results.json]
// PostgreSQL is DATABASE_URL if set (scratch databases are created in it), else a throwaway cluster.
// overhead (a real OpenCode) runs once, on in-memory PGlite, when --db includes pglite; so does dashboard
// (a real Chromium against `orchestrator serve` on PGlite); plans' in-process part (no database) runs once.
import { writeFileSync } from "node:fs";
import os from "node:os";
import * as Agents from "./agents.ts";
import * as Dashboard from "./dashboard.ts";
import * as Fanout from "./fanout.ts";
import * as Overhead from "./overhead.ts";
import * as Plans from "./plans.ts";
import * as Replay from "./replay.ts";
import * as Start from "./start.ts";
import * as Throughput from "./throughput.ts";
import { mib } from "./lib/rss.ts";
import { median, ms, table } from "./lib/stats.ts";
import { type Kind, flags, targets } from "./lib/target.ts";

const f = flags();
const only = new Set(
  (f.map.get("only") ?? "throughput,fanout,replay,start,overhead,agents,dashboard,plans").split(","),
);
const t = targets(f.kinds, undefined, f.pglite);
const cpu = os.cpus()[0]?.model ?? "unknown";
console.log(
  `machine: ${os.cpus().length} CPUs (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}, ${new Date().toISOString()}\n`,
);

const results: {
  throughput?: Throughput.Result[];
  fanout?: Fanout.Result[];
  replay?: Replay.Result[];
  start?: Start.Result[];
  overhead?: Overhead.Result[];
  agents?: Agents.Result[];
  dashboard?: Dashboard.Result[];
  plans?: Plans.Result[];
} = {};
const started = performance.now();
try {
  if (only.has("throughput")) results.throughput = await Throughput.main(t, Throughput.defaults);
  if (only.has("fanout")) results.fanout = await Fanout.main(t, Fanout.defaults);
  if (only.has("replay")) results.replay = await Replay.main(t, Replay.defaults);
  if (only.has("start")) results.start = await Start.main(t, Start.defaults);
  if (only.has("overhead") && t.kinds.includes("pglite"))
    results.overhead = await Overhead.main(t, Overhead.defaults);
  if (only.has("agents")) results.agents = await Agents.main(t, Agents.defaults);
  if (only.has("dashboard") && t.kinds.includes("pglite"))
    results.dashboard = await Dashboard.main(t, Dashboard.defaults);
  if (only.has("plans")) results.plans = await Plans.main(t, Plans.defaults);
} finally {
  await t.close();
}

// One row per target; one column per database.
const col = (k: Kind) => t.kinds.indexOf(k);
const rows: (string | number)[][] = [["metric", "target", ...t.kinds.flatMap((k) => [k, ""])]];
/** `ok` absent: a number shown for context, with no target of its own. */
const add = (
  metric: string,
  target: string,
  values: (number | undefined)[],
  fmt: (v: number) => string,
  ok?: (v: number) => boolean,
) =>
  rows.push([
    metric,
    target,
    ...t.kinds.flatMap((k) => {
      const v = values[col(k)];
      return v === undefined ? ["-", ""] : [fmt(v), ok ? (ok(v) ? "met" : "MISSED") : ""];
    }),
  ]);

if (results.throughput) {
  const r = results.throughput;
  add(
    "sessions/s, 1,000 end to end",
    "",
    r.map((x) => x.ours.perSec),
    (v) => v.toFixed(0),
  );
  for (const [i, b] of Throughput.bossSetups.entries()) {
    add(
      `ours ÷ ${b.name}`,
      "≥ 1.0×",
      r.map((x) => x.boss[i]!.ratio),
      (v) => `${v.toFixed(2)}×`,
      (v) => v >= 1,
    );
  }
  add(
    "create → agent start p99 at 100/s offered",
    "≤ 25 ms",
    r.map((x) => x.open.claim.p99),
    (v) => ms(v, 0),
    (v) => v <= 25,
  );
  add(
    "  client send → agent start p99 at 100/s",
    "",
    r.map((x) => x.open.fromSend.p99),
    (v) => ms(v, 0),
  );
}
if (results.fanout)
  add(
    "fan-out delivery p99, 1,000 WS clients",
    "≤ 50 ms",
    results.fanout.map((x) => x.delivery.p99),
    (v) => ms(v, 0),
    (v) => v <= 50,
  );
if (results.replay) {
  for (const m of Replay.methods) {
    add(
      `replay 10,000 events, ${m} (median)`,
      "≤ 200 ms",
      results.replay.map((x) => median(x.times[m])),
      (v) => ms(v, 0),
      (v) => v <= 200,
    );
  }
}
if (results.start) {
  add(
    "start-to-ready, warm (median)",
    "≤ 2 s",
    results.start.map((x) => median(x.warm.map((w) => w.ready))),
    (v) => ms(v, 0),
    (v) => v <= 2000,
  );
  add(
    "start-to-ready, cold (median)",
    "",
    results.start.map((x) => median(x.cold.map((w) => w.ready))),
    (v) => ms(v, 0),
  );
}
if (results.overhead) {
  // One run, not one per database: its numbers go in the PGlite column.
  const r = results.overhead[0]!;
  const pglite = (v: number) => t.kinds.map((k) => (k === "pglite" ? v : undefined));
  add(
    `orchestrator ÷ direct OpenCode SDK, same task (medians)${r.sameServer ? "" : ", SEPARATE servers"}`,
    "≤ 1.10×",
    pglite(r.ratio),
    (v) => `${v.toFixed(2)}×`,
    (v) => v <= 1.1,
  );
  add(
    "create → first agent event, warm pool (median)",
    "",
    pglite(median(r.orchestrator.map((x) => x.firstAgent))),
    (v) => ms(v, 0),
  );
  add(
    `opencode server RSS, idle → peak with ${r.memory.busy} busy sessions`,
    "",
    pglite(r.memory.peak.bytes),
    (v) => `${mib(r.memory.idle.bytes)} → ${mib(v)}`,
  );
}
if (results.agents) {
  const r = results.agents;
  const o = Agents.defaults;
  add(
    `routing decision p99, ${o.routing.agents.toLocaleString("en")} agents (one claim pass)`,
    "",
    r.map((x) => x.routing.decision.p99),
    (v) => ms(v, 1),
  );
  add(
    `  rank() over ${o.routing.agents.toLocaleString("en")} candidates p99 (pure)`,
    "",
    r.map((x) => x.routing.rank.p99),
    (v) => ms(v, 2),
  );
  for (const [i, tr] of Agents.transports.entries()) {
    add(
      `sessions/s, ${o.n.toLocaleString("en")} over ${o.fleet} ${tr} agents`,
      "",
      r.map((x) => x.burst[i]!.perSec),
      (v) => v.toFixed(0),
    );
    add(
      `  created → completed p99, ${tr} burst`,
      "",
      r.map((x) => x.burst[i]!.done.p99),
      (v) => ms(v, 0),
    );
  }
  for (const [i, tr] of Agents.serialTransports.entries()) {
    add(
      `round trip p50, one ${tr} agent, one at a time`,
      "",
      r.map((x) => x.serial[i]!.done.p50),
      (v) => ms(v, 0),
    );
    add(
      `  round trip p99, ${tr}`,
      "",
      r.map((x) => x.serial[i]!.done.p99),
      (v) => ms(v, 0),
    );
  }
}
if (results.dashboard) {
  // One run, in the PGlite column, like overhead.
  const r = results.dashboard[0]!;
  const pglite = (v: number) => t.kinds.map((k) => (k === "pglite" ? v : undefined));
  const first = median(r.detail.runs.map((x) => x.first));
  const fr = r.stream.frames;
  add(
    "dashboard: first page JavaScript, gzipped",
    "≤ 300 KB",
    pglite(r.shipped.gzip),
    (v) => `${(v / 1000).toFixed(0)} KB`,
    (v) => v <= 300_000,
  );
  add(
    `  session of ${r.detail.events.toLocaleString("en")} events, cold link: first row painted (median)`,
    "< 1 s",
    pglite(first),
    (v) => ms(v, 0),
    (v) => v < 1000,
  );
  add(
    `  … all ${r.detail.events.toLocaleString("en")} events rendered (median)`,
    "",
    pglite(median(r.detail.runs.map((x) => x.all))),
    (v) => ms(v, 0),
  );
  add(
    "  … opened from the sessions list: first row painted, from the click (median)",
    "< 1 s",
    pglite(median(r.detail.warm.map((x) => x.first))),
    (v) => ms(v, 0),
    (v) => v < 1000,
  );
  add(
    `  frames over 50 ms while streaming ${r.stream.rate.toFixed(0)} events/s (${fr.kind === "longtask" ? "long tasks" : "LoAF"} + rAF gaps)`,
    "0",
    pglite(fr.long + fr.over50),
    () => `${fr.long} + ${fr.over50}`,
    (v) => v === 0,
  );
  const lf = r.stream.load;
  add(
    "  … while that page loaded, before the stream",
    "",
    pglite(lf.long + lf.over50),
    () => `${lf.long} + ${lf.over50}`,
  );
  add(
    "  … longest frame (LoAF) / longest and p99 rAF interval",
    "",
    pglite(fr.longest),
    (v) => `${ms(v, 0)} / ${ms(fr.intervals.max, 0)} / ${ms(fr.intervals.p99, 0)}`,
  );
}
if (results.plans) {
  // In process, no database: one run, its numbers in the first column.
  const first = (v: number) => t.kinds.map((_, i) => (i === 0 ? v : undefined));
  for (const r of results.plans)
    add(
      `plan of ${r.tasks.toLocaleString("en")} tasks / ${r.edges.toLocaleString("en")} edges: validate + sort + CPM (median)`,
      `≤ ${r.target} ms`,
      first(median(r.times)),
      (v) => ms(v, 1),
      (v) => v <= r.target,
    );
}
console.log("summary");
console.log(table(rows));
console.log(
  `\nall benchmarks took ${((performance.now() - started) / 1000).toFixed(0)} s; load average now ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")}`,
);
if (f.json)
  writeFileSync(
    f.json,
    JSON.stringify(
      {
        machine: {
          cpus: os.cpus().length,
          cpu,
          memGiB: os.totalmem() / 2 ** 30,
          node: process.version,
          at: new Date().toISOString(),
        },
        results,
      },
      null,
      2,
    ),
  );
