import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Fatal } from "../src/agent/agent.ts";
import * as Opencode from "../src/agent/opencode/agent.ts";
import * as Pool from "../src/agent/opencode/pool.ts";
import { catalog } from "../src/agent/opencode/profile.ts";
import { serverConfig } from "../src/agent/opencode/config.ts";
import * as Keys from "../src/auth/key.ts";
import * as Repos from "../src/tenant/repos.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import { type TestServer, gitRepo, serve, silence } from "./harness.ts";

// Which tenant a repository belongs to: roots per tenant, set by the operator; a repository is one tenant's.
const root = mkdtempSync(path.join(tmpdir(), "io-repos-"));
const shared = path.join(root, "shared"); // in both tenants' roots: first come, first served
const onlyA = path.join(root, "a");
const onlyB = path.join(root, "b");
const elsewhere = path.join(root, "elsewhere"); // in no tenant's roots
let s: TestServer;
let b: string; // tenant b's admin key
let bId: string;
let none: string; // an admin key of a tenant without roots

beforeAll(async () => {
  for (const dir of [shared, onlyA, onlyB, elsewhere]) mkdirSync(dir, { recursive: true });
  await gitRepo(path.join(shared, "alpha"), { "a.txt": "a\n" });
  await gitRepo(path.join(shared, "alpha", "inner"), { "i.txt": "i\n" }); // nested in alpha
  await gitRepo(path.join(shared, "outer"), { "o.txt": "o\n" });
  await gitRepo(path.join(shared, "outer", "deep"), { "d.txt": "d\n" });
  await gitRepo(path.join(onlyA, "mine"), { "m.txt": "m\n" });
  await gitRepo(path.join(onlyB, "theirs"), { "t.txt": "t\n" });
  await gitRepo(path.join(elsewhere, "far"), { "f.txt": "f\n" });
  s = await serve({
    engine: { enabled: false } as never,
    config: {
      dataDir: path.join(root, "data"),
      repoRoots: [shared, onlyA],
      tenants: { b: { repoRoots: [shared, onlyB] } },
    },
  });
  bId = await Tenant.ensure(s.deps.db, "b");
  b = (await Keys.create(s.deps.db, bId, "b admin", "admin")).key;
  none = (await Keys.create(s.deps.db, await Tenant.ensure(s.deps.db, "rootless"), "x", "admin")).key;
}, 120_000);
afterAll(async () => {
  await s?.stop();
  rmSync(root, { recursive: true, force: true });
});

const project = (key: string, name: string, p: string) =>
  s.api("/api/v1/projects", { method: "POST", key, json: { name, path: p } });
const session = (key: string, repo: string) =>
  s.api("/api/v1/sessions", { method: "POST", key, json: { title: "t", prompt: "p", workspace: { repo } } });
/** An answer with the path it names replaced, to compare answers about different paths. */
const shape = (r: { status: number; body: unknown }, p: string) => ({
  status: r.status,
  body: JSON.stringify(r.body).replaceAll(JSON.stringify(p).slice(1, -1), "<path>"),
});

describe("repository roots per tenant", () => {
  test("each tenant sees its own roots; a tenant without roots is told who sets them", async () => {
    expect((await s.api("/api/v1/me")).body.repoRoots).toEqual([shared, onlyA]);
    expect((await s.api("/api/v1/me", { key: b })).body.repoRoots).toEqual([shared, onlyB]);
    expect((await s.api("/api/v1/me", { key: none })).body.repoRoots).toEqual([]);
    const refused = await project(none, "x", path.join(onlyA, "mine"));
    expect(refused.status).toBe(422);
    expect(refused.body.error.message).toBe(
      'body.path: this tenant has no repository roots, so it can register no repository; the server\'s operator sets them (tenants."rootless".repoRoots in the ORCHESTRATOR_CONFIG file)',
    );
    expect((await session(none, path.join(onlyB, "theirs"))).body.error.message).toMatch(
      /^body\.workspace\.repo: this tenant has no repository roots/,
    );
  });

  test("a tenant registers under its own roots only", async () => {
    expect((await project(b, "theirs", path.join(onlyB, "theirs"))).status).toBe(201);
    const r = await project(b, "mine", path.join(onlyA, "mine"));
    expect(r.status).toBe(422);
    expect(r.body.error.message).toBe(
      `body.path: ${path.join(onlyA, "mine")} is outside the allowed roots (${shared}, ${onlyB})`,
    );
    expect((await project(s.key, "mine", path.join(onlyA, "mine"))).status).toBe(201);
  });
});

describe("a repository belongs to one tenant", () => {
  test("another tenant's repository, a path in it or around it, or a symlink to it answers as a path outside the roots does", async () => {
    const alpha = path.join(shared, "alpha");
    expect((await project(s.key, "alpha", alpha)).status).toBe(201);
    symlinkSync(alpha, path.join(onlyB, "link-to-alpha"));
    const outside = await project(b, "x", path.join(elsewhere, "far"));
    expect(outside.status).toBe(422);
    const tries = [
      alpha,
      `${alpha}/`,
      path.join(alpha, "inner"), // a repository of its own, inside alpha
      path.join(alpha, "no-such-dir"), // its absence is not told either
      path.join(onlyB, "link-to-alpha"),
      `${shared}/alpha/../alpha`,
    ];
    for (const p of tries) {
      const r = await project(b, "x", p);
      expect(shape(r, p), p).toEqual(shape(outside, path.join(elsewhere, "far")));
    }
    // The same for an ad-hoc workspace of a session.
    const far = await session(b, path.join(elsewhere, "far"));
    for (const p of tries)
      expect(shape(await session(b, p), p), p).toEqual(shape(far, path.join(elsewhere, "far")));
    // A path holding another tenant's repository: alpha's parent is not a repository, so take outer.
    expect((await session(s.key, path.join(shared, "outer", "deep"))).status).toBe(201);
    const outer = path.join(shared, "outer");
    expect(shape(await project(b, "x", outer), outer)).toEqual(shape(outside, path.join(elsewhere, "far")));
    // Nothing of b's was written, and the owner keeps working with it.
    expect((await s.api("/api/v1/projects", { key: b })).body.items.map((p: any) => p.name)).toEqual([
      "theirs",
    ]);
    expect((await s.api("/api/v1/sessions", { key: b })).body.items).toEqual([]);
    expect((await session(s.key, alpha)).status).toBe(201);
    expect((await project(s.key, "alpha-again", alpha)).status).toBe(201);
  });

  test("a workspace claims its repository too, by its real path, and keeps it after its project goes", async () => {
    const gamma = await gitRepo(path.join(shared, "gamma"), { "g.txt": "g\n" });
    symlinkSync(gamma, path.join(onlyB, "link-to-gamma"));
    const r = await session(b, path.join(onlyB, "link-to-gamma"));
    expect(r.status).toBe(201);
    expect(r.body.workspace.repo).toBe(gamma); // the real path: a later change of the link changes nothing
    expect((await project(s.key, "gamma", gamma)).status).toBe(422);
    // Its branches live in the repository: removing b's project gives it to no one else.
    const delta = await gitRepo(path.join(shared, "delta"), { "d.txt": "d\n" });
    expect((await project(b, "delta", delta)).status).toBe(201);
    expect((await s.api("/api/v1/projects/delta", { method: "DELETE", key: b })).status).toBe(204);
    expect((await project(s.key, "delta", delta)).status).toBe(422);
  });

  test("two tenants registering one repository, or nested ones, at the same moment: one wins", async () => {
    for (let i = 0; i < 3; i++) {
      const outer = await gitRepo(path.join(shared, `race-${i}`), { "r.txt": "r\n" });
      const same = await Promise.all([project(s.key, `race-${i}`, outer), project(b, `race-${i}`, outer)]);
      expect(same.map((r) => r.status).sort()).toEqual([201, 422]);
      const other = await gitRepo(path.join(shared, `nest-${i}`), { "r.txt": "r\n" });
      const nested = await gitRepo(path.join(other, "in"), { "n.txt": "n\n" });
      const pair = await Promise.all([project(s.key, `nest-${i}`, other), session(b, nested)]);
      expect(pair.map((r) => r.status).sort()).toEqual([201, 422]);
    }
    // The claims themselves, at once (on PostgreSQL they run on two connections): nested paths too.
    for (let i = 0; i < 10; i++) {
      const [x, y] = [`/claims/${i}`, `/claims/${i}/in`];
      const won = await Promise.all([
        Repos.claim(s.deps.db, bId, x),
        Repos.claim(s.deps.db, s.deps.defaultTenant, y),
      ]);
      expect(won.sort()).toEqual([false, true]);
    }
    // The database holds it too: one row per path, whatever the code above it does.
    const [row] = await s.deps.db.rows<{ path: string }>(sql`select path from repositories limit 1`);
    await expect(
      s.deps.db.rows(sql`insert into repositories (path, tenant_id) values (${row!.path}, ${bId})`),
    ).rejects.toThrow();
  });
});

test("a run refuses a workspace whose path no longer leads to the repository it was submitted with", async () => {
  const dir = await gitRepo(path.join(onlyA, "swap"), { "s.txt": "s\n" });
  const r = await session(s.key, dir);
  expect(r.status).toBe(201);
  // After the checks, someone puts another tenant's repository in its place.
  renameSync(dir, path.join(onlyA, "swap-moved"));
  symlinkSync(path.join(shared, "alpha"), dir);
  const pool = Pool.create({
    home: path.join(root, "oc"),
    cwd: root,
    max: 1,
    perServer: 1,
    config: (url) => serverConfig(url),
  });
  const agent = Opencode.create({
    pool,
    profiles: catalog([], s.deps.config.keys),
    worktrees: path.join(root, "wt"),
  });
  try {
    const run = agent.run(
      {
        sessionId: r.body.id,
        title: "t",
        prompt: "p",
        attempt: 1,
        checkpoint: null,
        workspace: r.body.workspace,
        project: null,
        profile: null,
        metadata: {},
        ask: async () => {
          throw new Fatal("no one asks here");
        },
        credential: async () => {
          throw new Fatal("no orchestrator here");
        },
        talk: silence,
      },
      new AbortController().signal,
    );
    const err = await (async () => {
      for await (const _ of run) void _;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Fatal);
    expect(err).toMatchObject({ code: "workspace_invalid" });
    expect((err as Error).message).toBe(
      `workspace.repo: ${dir} now resolves to ${path.join(shared, "alpha")}, not the repository the session was submitted with`,
    );
  } finally {
    await pool.stop();
  }
});
