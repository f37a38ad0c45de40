import { afterAll, beforeAll, expect, test } from "vitest";
import { sql } from "drizzle-orm";
import WebSocket from "ws";
import { createClient } from "@orchestrator/sdk";
import { type TestServer, create, serve } from "./harness.ts";
import * as Keys from "../src/auth/key.ts";
import * as Tenant from "../src/tenant/tenant.ts";

let s: TestServer;
beforeAll(async () => {
  s = await serve({ engine: { enabled: false } as never });
});
afterAll(() => s?.stop());

test("requests without a key, or with a wrong one, get a JSON 401", async () => {
  for (const key of [
    null,
    "nonsense",
    "io_000000000000_" + "A".repeat(43),
    s.key.slice(0, -1) + (s.key.endsWith("A") ? "B" : "A"),
  ]) {
    const r = await s.api("/api/v1/sessions", { key });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("unauthorized");
  }
  const status = await new Promise<number>((resolve) => {
    const ws = new WebSocket(`${s.url.replace("http", "ws")}/ws/sessions`);
    ws.on("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0));
    ws.on("open", () => resolve(101));
  });
  expect(status).toBe(401);
});

test("keys are stored hashed, never in plain text", async () => {
  const rows = await s.deps.db.rows<{ prefix: string; hash: string }>(sql`select prefix, hash from api_keys`);
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    expect(s.key).not.toContain(row.hash);
    expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
  }
});

test("the tenant comes from the key, never from a client header", async () => {
  const other = await Tenant.ensure(s.deps.db, "acme");
  const { key: acmeKey } = await Keys.create(s.deps.db, other, "acme", "member");
  const mine = await create(s, { prompt: "succeed" });
  const spoof = await s.api(`/api/v1/sessions/${mine.id}`, {
    key: acmeKey,
    headers: { "x-tenant-id": s.deps.defaultTenant },
  });
  expect(spoof.status).toBe(404);
  const list = await s.api("/api/v1/sessions", {
    key: acmeKey,
    headers: { "x-tenant-id": s.deps.defaultTenant },
  });
  expect(list.body.items).toEqual([]);
  const theirs = await s.api("/api/v1/sessions", {
    method: "POST",
    key: acmeKey,
    json: { title: "Acme", prompt: "succeed" },
  });
  expect(theirs.status).toBe(201);
  expect((await s.api(`/api/v1/sessions/${theirs.body.id}`)).status).toBe(404);
  expect((await s.api(`/api/v1/sessions/${theirs.body.id}/cancel`, { method: "POST" })).status).toBe(404);
  expect((await s.api("/api/v1/sessions/stats", { key: acmeKey })).body.total).toBe(1);
});

test("a viewer key can read but not write", async () => {
  const { key } = await Keys.create(s.deps.db, s.deps.defaultTenant, "ro", "viewer");
  expect((await s.api("/api/v1/sessions", { key })).status).toBe(200);
  const w = await s.api("/api/v1/sessions", { method: "POST", key, json: { title: "x", prompt: "y" } });
  expect(w.status).toBe(403);
  expect(w.body.error.code).toBe("forbidden");
});

test("a revoked key stops working at once on the node that revoked it", async () => {
  const { id, key } = await Keys.create(s.deps.db, s.deps.defaultTenant, "temp", "member");
  expect((await s.api("/api/v1/sessions", { key })).status).toBe(200);
  expect((await s.api(`/api/v1/keys/${id}`, { method: "DELETE" })).status).toBe(200);
  expect((await s.api("/api/v1/sessions", { key })).status).toBe(401);
});

test("an admin mints, lists and revokes keys; the secret is shown once and members cannot manage keys", async () => {
  const made = await s.api("/api/v1/keys", { method: "POST", json: { name: "ci bot", role: "member" } });
  expect(made.status).toBe(201);
  expect(made.body).toMatchObject({ name: "ci bot", role: "member", revokedAt: null });
  expect(made.body.key).toMatch(/^io_[0-9a-f]{12}_/);
  const member = made.body.key;
  expect((await s.api("/api/v1/sessions", { key: member })).status).toBe(200);
  const listed = await s.api("/api/v1/keys");
  expect(listed.body.items.find((k: any) => k.id === made.body.id)).not.toHaveProperty("key");
  expect(JSON.stringify(listed.body)).not.toContain(member);
  expect((await s.api("/api/v1/keys", { key: member })).status).toBe(403);
  expect((await s.api("/api/v1/keys", { method: "POST", key: member, json: { name: "x" } })).status).toBe(
    403,
  );
  expect((await s.api("/api/v1/keys", { method: "POST", json: { name: "", role: "root" } })).status).toBe(
    422,
  );
  const revoked = await s.api(`/api/v1/keys/${made.body.id}`, { method: "DELETE" });
  expect(revoked.body.revokedAt).toBeTruthy();
  expect((await s.api("/api/v1/sessions", { key: member })).status).toBe(401);
  expect(
    (await s.api("/api/v1/keys/00000000-0000-4000-8000-000000000000", { method: "DELETE" })).status,
  ).toBe(404);
});

test("GET /me names the presented key: its tenant, role and name", async () => {
  const me = await createClient({ url: s.url, key: s.key }).me();
  const admin = (await Keys.list(s.deps.db, s.deps.defaultTenant)).find(
    (k) => k.name === "admin (first start)",
  )!;
  expect(me).toEqual({
    tenantId: s.deps.defaultTenant,
    role: "admin",
    keyId: admin.id,
    keyName: "admin (first start)",
    auth: "key",
    repoRoots: s.deps.config.repoRoots,
  });
  const other = await Tenant.ensure(s.deps.db, "me-other");
  const { id, key } = await Keys.create(s.deps.db, other, "dashboard viewer", "viewer");
  expect((await s.api("/api/v1/me", { key })).body).toEqual({
    tenantId: other,
    role: "viewer",
    keyId: id,
    keyName: "dashboard viewer",
    auth: "key",
    repoRoots: [], // no tenants.me-other.repoRoots in the server's configuration
  });
  expect((await s.api("/api/v1/me", { key: null })).status).toBe(401);
  expect((await s.api("/api/v1/me", { key: "io_000000000000_" + "A".repeat(43) })).status).toBe(401);
});

test("GET /me without keys (dev mode) says so, with the principal that mode sets", async () => {
  const dev = await serve({ engine: { enabled: false } as never, config: { devNoAuth: true } });
  try {
    const r = await dev.api("/api/v1/me", { key: null });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      tenantId: dev.deps.defaultTenant,
      role: "admin",
      keyId: null,
      keyName: null,
      auth: "off",
      repoRoots: dev.deps.config.repoRoots,
    });
  } finally {
    await dev.stop();
  }
});
