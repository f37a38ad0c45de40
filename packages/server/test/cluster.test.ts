import { afterAll, expect, test } from "vitest";
import pg from "pg";
import { databaseUrl, freshDatabase } from "./harness.ts";
import { type Proc, fastEnv, http, spawnServer } from "./proc.ts";

const procs: Proc[] = [];
let drop: (() => Promise<void>) | null = null;
afterAll(async () => {
  for (const p of procs) p.child.kill("SIGKILL");
  await drop?.();
});

// Several engine processes need a shared real PostgreSQL; embedded PGlite is single-process by design
// (its data directory is locked). .ci/run sets DATABASE_URL for the PostgreSQL pass, where this runs.
test.skipIf(!databaseUrl)(
  "two engine processes on one PostgreSQL run each of 200 sessions exactly once",
  async () => {
    const fresh = await freshDatabase();
    drop = fresh.drop;
    const env = { ...fastEnv, DATABASE_URL: fresh.url, ORCHESTRATOR_CONCURRENCY: "10" };
    const a = await spawnServer({ ...env, ORCHESTRATOR_NODE_ID: "node-a" });
    procs.push(a);
    const b = await spawnServer({ ...env, ORCHESTRATOR_NODE_ID: "node-b" });
    procs.push(b);
    const key = a.key!;
    const ids: string[] = [];
    for (let i = 0; i < 200; i++) {
      const via = i % 2 ? b.url : a.url;
      ids.push(
        (
          await http(via, key, "/api/v1/sessions", {
            method: "POST",
            json: { title: `job ${i}`, prompt: "emit 1 ran\nsleep 20\nsucceed" },
          })
        ).id,
      );
    }
    const c = new pg.Client({ connectionString: fresh.url });
    await c.connect();
    try {
      const end = Date.now() + 90_000;
      for (;;) {
        const { rows } = await c.query("select count(*)::int as n from sessions where status = 'completed'");
        if (rows[0].n === 200) break;
        if (Date.now() > end) throw new Error(`only ${rows[0].n} of 200 completed`);
        await new Promise((r) => setTimeout(r, 200));
      }
      // Exactly one claim and one run of the agent per session.
      const { rows } = await c.query(`
      select s.id,
        count(*) filter (where e.type = 'session.status' and e.data->>'to' = 'running')::int as claims,
        count(*) filter (where e.type = 'agent.message')::int as runs,
        max(e.data->>'owner') as owner
      from sessions s join session_events e on e.session_id = s.id group by s.id`);
      expect(rows).toHaveLength(200);
      for (const r of rows) expect([r.claims, r.runs]).toEqual([1, 1]);
      const owners = new Set(rows.map((r) => r.owner));
      expect(owners).toEqual(new Set(["node-a", "node-b"]));
    } finally {
      await c.end();
    }
  },
  180_000,
);
