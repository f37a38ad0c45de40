import type { PGlite } from "@electric-sql/pglite";
import PgBoss from "pg-boss";
import { summary } from "./stats.ts";

/** Where pg-boss finds the database under test: the server's own PGlite instance, or a PostgreSQL URL. */
export type Conn = { pglite: PGlite } | { url: string };

export interface Workers {
  /** Number of `work()` registrations (pg-boss 10 dropped teamSize; each call is one polling loop). */
  workers: number;
  batchSize: number;
  pollingIntervalSeconds: number;
}

export interface Outcome {
  jobs: number;
  seconds: number;
  perSec: number;
  /** send → handler start, from pg-boss's own created_on/started_on columns. */
  pickup: ReturnType<typeof summary>;
}

/**
 * pg-boss doing bare send → work → complete of `n` jobs on the same database: sends `inflight` at a time,
 * the handler does nothing, and resolving it completes the batch. Timed from the first send to the last
 * job's completed_on, like our sessions are timed from the first create to the last completion.
 */
export async function run(
  conn: Conn,
  n: number,
  inflight: number,
  w: Workers,
  queue: string,
): Promise<Outcome> {
  const boss = new PgBoss({
    ...("pglite" in conn ? { db: adapter(conn.pglite) } : { connectionString: conn.url, max: 10 }),
    // Maintenance and cron would only add background queries to a seconds-long run.
    supervise: false,
    schedule: false,
  });
  boss.on("error", (err) => console.error("pg-boss:", err));
  await boss.start();
  try {
    await boss.createQueue(queue);
    const exec = (text: string, values: unknown[] = []) => boss.getDb().executeSql(text, values);
    const completed = async () =>
      Number(
        (
          await exec(`select count(*)::int as n from pgboss.job where name = $1 and state = 'completed'`, [
            queue,
          ])
        ).rows[0].n,
      );
    for (let i = 0; i < w.workers; i++) {
      await boss.work(
        queue,
        { batchSize: w.batchSize, pollingIntervalSeconds: w.pollingIntervalSeconds },
        async () => {},
      );
    }
    const t0 = Date.now();
    let next = 0;
    const sender = async () => {
      while (next < n) {
        next++;
        await boss.send(queue, {});
      }
    };
    await Promise.all(Array.from({ length: inflight }, sender));
    const deadline = Date.now() + 300_000;
    while ((await completed()) < n) {
      if (Date.now() > deadline)
        throw new Error(`pg-boss: only ${await completed()} of ${n} jobs completed in 300 s`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await boss.offWork(queue);
    const { rows } = await exec(
      `select extract(epoch from max(completed_on)) * 1000 as last,
              array_agg(extract(epoch from (started_on - created_on)) * 1000) as pickup
         from pgboss.job where name = $1`,
      [queue],
    );
    const seconds = (Number(rows[0].last) - t0) / 1000;
    return {
      jobs: n,
      seconds,
      perSec: n / seconds,
      pickup: summary((rows[0].pickup as (string | number)[]).map(Number)),
    };
  } finally {
    await boss.stop({ graceful: false, wait: true });
  }
}

/** deps.md §5: pg-boss runs in-process on PGlite through its `db.executeSql` seam. */
function adapter(pgl: PGlite): PgBoss.Db {
  return {
    executeSql: async (text, values) =>
      values?.length ? pgl.query(text, values) : ((await pgl.exec(text)).at(-1) ?? { rows: [] }),
  };
}
