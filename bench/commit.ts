// Commit throughput: 8 concurrent writers, one tenant each, on the real write paths that NOTIFY at commit,
// against PGlite on disk and a throwaway PostgreSQL 15. Workloads: `create` (Store.create of a queued session:
// its row, its first event and the wake-ups of streams and engines in one statement), `append` (Log.append
// of an agent event, one statement) and `update` (Store.update: a transaction that locks the row and
// appends). With --base=<checkout>, the same workloads run on that checkout's code too, alternating
// base and this checkout in every round, each in a fresh process and a fresh database.
// Run alone: npx tsx bench/commit.ts [--base=/tmp/commit-base] [--db=pglite,postgres] [--rounds=5]
//   [--seconds=3] [--writers=8]
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { cluster } from "./pg.ts";
import { child, reply, root } from "./lib/child.ts";
import { median, table } from "./lib/stats.ts";
import { flags, isMain } from "./lib/target.ts";

const workloads = ["create", "append", "update"] as const;
type Workload = (typeof workloads)[number];

interface Job {
  /** The checkout whose server code runs. */
  code: string;
  databaseUrl?: string;
  seconds: number;
  writers: number;
}

/** Commits per second of each workload, one process, one database. */
type Result = Record<Workload, number>;

async function measure(job: Job): Promise<Result> {
  const src = (p: string) => import(pathToFileURL(path.join(job.code, "packages", p)).href);
  const { open } = await src("server/src/db/db.ts");
  const Store = await src("server/src/session/store.ts");
  const Log = await src("server/src/event/log.ts");
  const Tenant = await src("server/src/tenant/tenant.ts");
  const { Create } = await src("sdk/src/index.ts");
  const dir = job.databaseUrl ? null : mkdtempSync(path.join(os.tmpdir(), "io-bench-commit-"));
  const db = await open({ dataDir: dir ?? "", databaseUrl: job.databaseUrl });
  try {
    // Listen as a server does (streams, engines): older code names its channels, newer its topics.
    const topics = existsSync(path.join(job.code, "packages/server/src/db/channels.ts"));
    for (const name of topics ? ["events", "queue", "control"] : ["io_events", "io_queue", "io_control"])
      await db.listen(name, () => {});
    const ctx = { db, now: () => new Date(), policy: { retryBaseMs: 1000, retryCapMs: 60_000 } };
    const tenants: string[] = [];
    for (let w = 0; w < job.writers; w++) tenants.push(await Tenant.ensure(db, `bench-${w}`));
    const input = Create.parse({ title: "commit", prompt: "commit bench" });
    const own = await Promise.all(tenants.map((t) => Store.create(ctx, t, input)));
    const ops: Record<Workload, (w: number, i: number) => Promise<unknown>> = {
      create: (w) => Store.create(ctx, tenants[w], input),
      append: (w, i) =>
        Log.append(db, {
          tenantId: tenants[w],
          sessionId: own[w].id,
          type: "agent.message",
          data: { text: `line ${i}` },
          at: new Date(),
        }),
      update: (w, i) => Store.update(ctx, tenants[w], own[w].id, { title: `commit ${i}` }),
    };
    const out = {} as Result;
    for (const name of workloads) {
      const end = performance.now() + job.seconds * 1000;
      let n = 0;
      const t0 = performance.now();
      await Promise.all(
        tenants.map(async (_, w) => {
          for (let i = 0; performance.now() < end; i++) {
            await ops[name](w, i);
            n++;
          }
        }),
      );
      out[name] = n / ((performance.now() - t0) / 1000);
    }
    return out;
  } finally {
    await db.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const f = flags();
  const rounds = f.num("rounds", 5);
  const seconds = f.num("seconds", 3);
  const writers = f.num("writers", 8);
  const base = f.map.get("base");
  const codes = base ? [path.resolve(base), root] : [root];
  const label = (code: string) => (code === root ? "this checkout" : `base ${code}`);
  const pg = f.kinds.includes("postgres") ? await cluster() : null;
  console.log(`commit throughput: ${writers} writers, ${seconds} s per workload, ${rounds} round(s)`);
  console.log(
    `load average at the start: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}`,
  );
  if (pg) console.log(`PostgreSQL: ${pg.label}`);
  const results = new Map<string, Result[]>();
  try {
    for (let r = 0; r < rounds; r++) {
      for (const kind of f.kinds) {
        for (const code of codes) {
          const databaseUrl = kind === "postgres" ? await pg!.scratch("commit") : undefined;
          const job: Job = { code, databaseUrl, seconds, writers };
          const c = child("../commit.ts", ["--child", JSON.stringify(job)]);
          const res = await c.next<Result>();
          await c.stop();
          const key = `${kind}|${label(code)}`;
          results.set(key, [...(results.get(key) ?? []), res]);
          const nums = workloads.map((w) => `${w} ${res[w].toFixed(0)}/s`).join(", ");
          console.log(`  round ${r + 1}, ${kind}, ${label(code)}: ${nums}`);
        }
      }
    }
  } finally {
    await pg?.stop();
  }
  console.log(
    `load average at the end: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(", ")}\n`,
  );
  const rows: (string | number)[][] = [
    ["database", "code", ...workloads.map((w) => `${w} commits/s (median)`)],
  ];
  for (const [key, list] of results) {
    const [kind, code] = key.split("|");
    rows.push([kind!, code!, ...workloads.map((w) => median(list.map((x) => x[w])).toFixed(0))]);
  }
  console.log(table(rows));
}

if (isMain(import.meta.url)) {
  if (process.argv[2] === "--child") {
    reply(await measure(JSON.parse(process.argv[3]!) as Job));
    process.exit(0);
  } else await main();
}
