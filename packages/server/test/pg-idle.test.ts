import { sql } from "drizzle-orm";
import pg from "pg";
import { expect, test } from "vitest";
import { open } from "../src/db/db.ts";
import { databaseUrl, freshDatabase } from "./harness.ts";

// PostgreSQL only: a server that ends idle connections (restart, terminate, DROP … FORCE) must not crash
// the process with an uncaught pool error; the next query opens a new connection.
test.skipIf(!databaseUrl)(
  "an idle connection the server terminates is dropped, not an uncaught error",
  async () => {
    const fresh = await freshDatabase();
    const db = await open({ dataDir: "", databaseUrl: fresh.url });
    try {
      await Promise.all([1, 2, 3].map(() => db.rows(sql`select pg_sleep(0.05)`)));
      const admin = new pg.Client({ connectionString: databaseUrl! });
      await admin.connect();
      await admin.query(
        "select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()",
        [new URL(fresh.url).pathname.slice(1)],
      );
      await admin.end();
      await new Promise((r) => setTimeout(r, 200));
      expect(await db.rows(sql`select 1 as one`)).toEqual([{ one: 1 }]);
    } finally {
      await db.close();
      await fresh.drop();
    }
  },
);
