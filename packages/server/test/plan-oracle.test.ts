import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Plan } from "@orchestrator/sdk";
import { type Db, open } from "../src/db/db.ts";
import * as Log from "../src/log.ts";
import * as Run from "../src/plan/run.ts";
import { type Deps, create, start, step } from "../src/plan/service.ts";
import { taskFromRow } from "../src/plan/store.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import { type End, oracle, prng, rules } from "./plan-oracle.ts";
import { template } from "./harness.ts";

/**
 * The SQL scheduler (plan/run.ts under service.ts's plan lock) against the oracle: random DAGs, a random
 * rule per task, a scripted end for each task that runs, ends applied in random order, fail-fast off.
 * The final states must equal the reference interpreter's. Tasks are launched by a launcher that only
 * names a session: the real path with sessions is plan.test.ts and plan-crash.test.ts; this one checks
 * the scheduling SQL over many more shapes than sessions could run in a test.
 */

let db: Db;
let tenant: string;
let d: Deps;
beforeAll(async () => {
  db = await open({ dataDir: "", memory: true, template: template() });
  tenant = await Tenant.ensure(db, "oracle");
  d = {
    db,
    now: () => new Date(),
    log: Log.create("silent"),
    launch: async (_tx, _plan, starts) => starts.map(() => randomUUID()),
    launchPlanner: async () => randomUUID(),
    cancelSessions: async () => {},
    later: () => {},
  };
});
afterAll(() => db?.close());

async function one(seed: number): Promise<void> {
  const rnd = prng(seed);
  const int = (k: number) => Math.floor(rnd() * k);
  const n = 1 + int(30);
  const preds: number[][] = Array.from({ length: n }, () => []);
  const edges: { from: string; to: string }[] = [];
  for (let v = 1; v < n; v++)
    for (let e = int(4); e > 0; e--) {
      const p = int(v);
      if (preds[v]!.includes(p)) continue;
      preds[v]!.push(p);
      edges.push({ from: `t${p}`, to: `t${v}` });
    }
  const rule = Array.from({ length: n }, () => rules[int(rules.length)]!);
  const ends: End[] = ["succeeded", "succeeded", "succeeded", "failed", "conflicted", "cancelled"];
  const script = Array.from({ length: n }, () => ends[int(ends.length)]!);
  const draft = Plan.CreatePlan.parse({
    title: `oracle ${seed}`,
    policy: { failFast: false, maxParallel: 1 + int(5) },
    tasks: rule.map((r, i) => ({ key: `t${i}`, title: `t${i}`, prompt: "x", triggerRule: r })),
    edges,
  });
  const id = await create(d, tenant, draft, {
    by: "test",
    source: "graph",
    target: { projectId: null, workspace: null },
  });
  await start(d, tenant, id, "test");
  for (let guard = 0; guard < 10 * n; guard++) {
    const running = await db.rows(sql`select * from plan_tasks where plan_id = ${id} and status = 'running'`);
    if (!running.length) break;
    // Several tasks end in one step at times, as ends that arrive together do (plan/group.ts).
    const first = int(running.length);
    const ending = running.slice(first, first + 1 + int(3)).map(taskFromRow);
    const ends = ending.map((task) => ({
      task,
      status: script[Number(task.key.slice(1))] as Plan.TaskStatus,
    }));
    await step(d, tenant, id, (s) => Run.end(s, ends));
    // A waiting task's pending count is what is shown: it must equal its prerequisites not ended.
    const off = await db.rows(sql`
      select t.key from plan_tasks t where t.plan_id = ${id} and t.status = 'blocked' and t.deps_pending <> (
        select count(*) from plan_edges e join plan_tasks p on p.id = e.from_task
        where e.to_task = t.id and e.type = 'finish_to_start' and p.status in ('blocked','ready','running'))`);
    expect(off, `seed ${seed}: pending counts`).toEqual([]);
  }
  const rows = await db.rows<{ key: string; status: string }>(sql`
    select key, status from plan_tasks where plan_id = ${id} order by position`);
  const want = oracle(
    preds,
    Array.from({ length: n }, (_, i) => i),
    rule,
    script,
  );
  const got = rows.map((r) => r.status);
  expect(got, `seed ${seed}: rules ${rule.join(",")}; edges ${JSON.stringify(edges)}`).toEqual(want);
  const plan = await db.rows<{ status: string }>(sql`select status from plans where id = ${id}`);
  expect(plan[0]!.status).not.toBe("running");
}

test("the SQL scheduler ends every task as the oracle says (60 random plans)", async () => {
  for (let seed = 1; seed <= 60; seed++) await one(seed);
}, 120_000);
