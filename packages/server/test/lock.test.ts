import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { type Proc, fastEnv, http, spawnServer } from "./proc.ts";
import { open } from "../src/db/db.ts";
import { sql } from "drizzle-orm";
import { create } from "../src/auth/key.ts";

const dir = mkdtempSync(path.join(tmpdir(), "io-lock-"));
const procs: Proc[] = [];
afterAll(() => {
  for (const p of procs) p.child.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

// Embedded mode only: the lock guards a PGlite directory (with DATABASE_URL there is no directory to guard).
test("a second process on the same data directory gets a clear error and the directory stays intact", async () => {
  const env = { ...fastEnv, ORCHESTRATOR_DATA_DIR: dir, DATABASE_URL: "" };
  const first = await spawnServer(env);
  procs.push(first);
  const created = await http(first.url, first.key!, "/api/v1/sessions", {
    method: "POST",
    json: { title: "Keep me", prompt: "succeed" },
  });

  const second = spawnServer(env);
  await expect(second).rejects.toThrow(/in use by process \d+/);

  // The first server still works and its data is intact.
  expect((await http(first.url, first.key!, `/api/v1/sessions/${created.id}`)).title).toBe("Keep me");
  first.child.kill("SIGTERM");
  expect(await first.exited).toBe(0);
  expect(existsSync(path.join(dir, "orchestrator.lock"))).toBe(false);

  const db = await open({ dataDir: dir });
  const rows = await db.rows<{ title: string; status: string }>(sql`select title, status from sessions`);
  await db.close();
  expect(rows).toEqual([{ title: "Keep me", status: "completed" }]);
}, 120_000);

test("SIGTERM hands running sessions back to the queue without spending an attempt", async () => {
  const env = {
    ...fastEnv,
    ORCHESTRATOR_DATA_DIR: dir,
    DATABASE_URL: "",
    ORCHESTRATOR_SHUTDOWN_GRACE_MS: "200",
  };
  // The admin key of this directory was printed once, in the previous test; make another one directly.
  const db = await open({ dataDir: dir });
  const tenant = (await db.rows<{ id: string }>(sql`select id from tenants where name = 'default'`))[0]!.id;
  const apiKey = (await create(db, tenant, "test", "admin")).key;
  await db.close();

  const q = await spawnServer(env);
  procs.push(q);
  const s = await http(q.url, apiKey, "/api/v1/sessions", {
    method: "POST",
    json: { title: "Long", prompt: "sleep 5000\nsucceed" },
  });
  for (
    let i = 0;
    i < 200 && (await http(q.url, apiKey, `/api/v1/sessions/${s.id}`)).status !== "running";
    i++
  )
    await new Promise((r) => setTimeout(r, 25));
  q.child.kill("SIGTERM");
  expect(await q.exited).toBe(0);

  const after = await open({ dataDir: dir });
  const [row] = await after.rows<{ status: string; attempt: number; lease_owner: string | null }>(
    sql`select status, attempt, lease_owner from sessions where id = ${s.id}`,
  );
  await after.close();
  expect(row).toEqual({ status: "queued", attempt: 0, lease_owner: null });
}, 120_000);
