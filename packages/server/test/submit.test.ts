import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Create } from "@orchestrator/sdk";
import { submit } from "../src/session/submit.ts";
import { type TestServer, events, gitRepo, serve } from "./harness.ts";

// A plan's scheduler creates sessions in the same transaction as its own writes: submit must run on the
// caller's transaction, the repository claim included, and leave nothing behind when it rolls back.
const root = mkdtempSync(path.join(tmpdir(), "io-submit-"));
const repo = path.join(root, "repos", "app");
let s: TestServer;

beforeAll(async () => {
  await gitRepo(repo, { "notes.md": "one\n" });
  s = await serve({
    config: { dataDir: path.join(root, "data"), repoRoots: [path.join(root, "repos")] },
    engine: { enabled: false },
  });
}, 60_000);
afterAll(async () => {
  await s?.stop();
  rmSync(root, { recursive: true, force: true });
});

const input = (title: string) => Create.parse({ title, prompt: "p", workspace: { repo }, hold: true });
const count = async (table: "sessions" | "repositories") =>
  Number((await s.deps.db.rows(sql`select count(*)::int as n from ${sql.identifier(table)}`))[0]!.n);

test("a session submitted in the caller's transaction rolls back with it, repository claim and all", async () => {
  const rollback = new Error("the caller's own write failed");
  await expect(
    s.deps.db.tx(async (tx) => {
      const row = await submit(s.deps, s.deps.defaultTenant, input("rolled back"), tx);
      expect(row.status).toBe("pending");
      throw rollback;
    }),
  ).rejects.toBe(rollback);
  expect(await count("sessions")).toBe(0);
  expect(await count("repositories")).toBe(0);
});

test("a session submitted in the caller's transaction exists once it commits, with its first event", async () => {
  const row = await s.deps.db.tx((tx) => submit(s.deps, s.deps.defaultTenant, input("committed"), tx));
  expect(row).toMatchObject({ status: "pending", agent: "opencode", profile: s.deps.profiles.default });
  expect(await count("repositories")).toBe(1);
  const log = await events(s, row.id);
  expect(log.map((e) => e.type)).toEqual(["session.created"]);
  expect((await s.api(`/api/v1/sessions/${row.id}`)).body.workspace.repo).toBe(row.workspace!.repo);
});
