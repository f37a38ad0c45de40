import { afterAll, beforeAll, expect, test } from "vitest";
import { sql } from "drizzle-orm";
import WebSocket from "ws";
import { type TestServer, create, serve } from "./harness.ts";
import * as Keys from "../src/auth/key.ts";
import * as Tenant from "../src/tenant/tenant.ts";

let s: TestServer;
beforeAll(async () => {
  s = await serve({ engine: { enabled: false } as never });
});
afterAll(() => s?.stop());

test("requests without a key, or with a wrong one, get a JSON 401", async () => {
  for (const key of [null, "nonsense", "io_000000000000_" + "A".repeat(43), s.key.slice(0, -1) + (s.key.endsWith("A") ? "B" : "A")]) {
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
  const spoof = await s.api(`/api/v1/sessions/${mine.id}`, { key: acmeKey, headers: { "x-tenant-id": s.deps.defaultTenant } });
  expect(spoof.status).toBe(404);
  const list = await s.api("/api/v1/sessions", { key: acmeKey, headers: { "x-tenant-id": s.deps.defaultTenant } });
  expect(list.body.items).toEqual([]);
  const theirs = await s.api("/api/v1/sessions", { method: "POST", key: acmeKey, json: { title: "Acme", prompt: "succeed" } });
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

test("a revoked key stops working", async () => {
  const { id, key } = await Keys.create(s.deps.db, s.deps.defaultTenant, "temp", "member");
  expect((await s.api("/api/v1/sessions", { key })).status).toBe(200);
  await s.deps.db.rows(sql`update api_keys set revoked_at = now() where id = ${id}`);
  expect((await s.api("/api/v1/sessions", { key })).status).toBe(401);
});
