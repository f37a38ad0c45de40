import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sql } from "drizzle-orm";
import { type TestServer, create, serve } from "./harness.ts";

let s: TestServer;
beforeAll(async () => {
  // The engine is off: these tests only look at what the API accepts and writes.
  s = await serve({ engine: { enabled: false } as never, config: { bodyLimitBytes: 64 * 1024 } });
});
afterAll(() => s?.stop());

const counts = async () => {
  const rows = await s.deps.db.rows<{ sessions: number; events: number }>(sql`
    select (select count(*)::int from sessions) as sessions, (select count(*)::int from session_events) as events`);
  return rows[0];
};

const expectError = (r: { status: number; body: any }, status: number, code: string, path?: string) => {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  expect(r.body.error.code).toBe(code);
  expect(typeof r.body.error.message).toBe("string");
  if (path) expect(r.body.error.message).toContain(path);
};

describe("create rejects bad input with a 4xx that names the field, and writes nothing", () => {
  const cases: [string, RequestInit & { json?: unknown }, number, string, string?][] = [
    [
      "malformed JSON",
      { body: "{nope", headers: { "content-type": "application/json" } },
      400,
      "malformed_json",
    ],
    ["a JSON array", { json: [1, 2] }, 422, "validation_failed"],
    ["no body", { headers: { "content-type": "application/json" } }, 400, "malformed_json"],
    [
      "a non-JSON content type",
      { body: "title=x", headers: { "content-type": "application/x-www-form-urlencoded" } },
      422,
      "validation_failed",
      "header.content-type",
    ],
    ["title of the wrong type", { json: { title: 5, prompt: "x" } }, 422, "validation_failed", "body.title"],
    ["missing prompt", { json: { title: "t" } }, 422, "validation_failed", "body.prompt"],
    ["blank title", { json: { title: "   ", prompt: "x" } }, 422, "validation_failed", "body.title"],
    [
      "unknown priority",
      { json: { title: "t", prompt: "x", priority: "urgent" } },
      422,
      "validation_failed",
      "body.priority",
    ],
    [
      "unknown type",
      { json: { title: "t", prompt: "x", type: "party" } },
      422,
      "validation_failed",
      "body.type",
    ],
    [
      "negative max duration",
      { json: { title: "t", prompt: "x", maxDurationSec: -5 } },
      422,
      "validation_failed",
      "body.maxDurationSec",
    ],
    [
      "huge max duration",
      { json: { title: "t", prompt: "x", maxDurationSec: 1e12 } },
      422,
      "validation_failed",
      "body.maxDurationSec",
    ],
    [
      "fractional attempts",
      { json: { title: "t", prompt: "x", maxAttempts: 1.5 } },
      422,
      "validation_failed",
      "body.maxAttempts",
    ],
    ["an unknown field", { json: { title: "t", prompt: "x", colour: "red" } }, 422, "validation_failed"],
    [
      "too many tags",
      { json: { title: "t", prompt: "x", tags: Array.from({ length: 21 }, (_, i) => `t${i}`) } },
      422,
      "validation_failed",
      "body.tags",
    ],
    [
      "a bad capability name",
      { json: { title: "t", prompt: "x", capabilities: ["Has Spaces"] } },
      422,
      "validation_failed",
      "body.capabilities.0",
    ],
    [
      "an unknown agent",
      { json: { title: "t", prompt: "x", agent: "nobody" } },
      422,
      "validation_failed",
      "body.agent",
    ],
    [
      "a parent that does not exist",
      { json: { title: "t", prompt: "x", parentId: "00000000-0000-4000-8000-000000000000" } },
      422,
      "validation_failed",
      "parentId",
    ],
    [
      "a malformed parent id",
      { json: { title: "t", prompt: "x", parentId: "nope" } },
      422,
      "validation_failed",
      "body.parentId",
    ],
    [
      "a workspace with extra keys",
      { json: { title: "t", prompt: "x", workspace: { repo: "/r", x: 1 } } },
      422,
      "validation_failed",
      "body.workspace",
    ],
  ];
  for (const [name, init, status, code, path] of cases) {
    test(`${name} → ${status} ${code}`, async () => {
      const before = await counts();
      const r = await s.api("/api/v1/sessions", { method: "POST", ...init });
      expectError(r, status, code, path);
      expect(await counts()).toEqual(before);
    });
  }

  test("an oversize body → 413, nothing written", async () => {
    const before = await counts();
    const r = await s.api("/api/v1/sessions", {
      method: "POST",
      json: { title: "t", prompt: "x".repeat(70 * 1024) },
    });
    expectError(r, 413, "payload_too_large");
    expect(await counts()).toEqual(before);
  });

  test("oversize metadata → 422 naming metadata", async () => {
    const r = await s.api("/api/v1/sessions", {
      method: "POST",
      json: { title: "t", prompt: "x", metadata: { big: "y".repeat(20_000) } },
    });
    expectError(r, 422, "validation_failed", "body.metadata");
  });

  test("a valid create still works after all that", async () => {
    const r = await s.api("/api/v1/sessions", {
      method: "POST",
      json: { title: "Fine", prompt: "succeed", tags: ["a"] },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      title: "Fine",
      status: "queued",
      priority: "medium",
      type: "execution",
      tags: ["a"],
      lastSeq: 1,
    });
  });
});

describe("list rejects bad paging and filters", () => {
  const cases: [string, string, string][] = [
    ["negative limit", "limit=-1", "query.limit"],
    ["zero limit", "limit=0", "query.limit"],
    ["huge limit", "limit=100000000000", "query.limit"],
    ["non-numeric limit", "limit=ten", "query.limit"],
    ["unknown status", "status=running,sleeping", "query.status"],
    ["unknown sort", "sort=colour", "query.sort"],
    ["bad date", "createdAfter=yesterday", "query.createdAfter"],
    ["unknown parameter", "page=2", "query"],
  ];
  for (const [name, qs, path] of cases) {
    test(`${name} → 422 naming ${path}`, async () => {
      expectError(await s.api(`/api/v1/sessions?${qs}`), 422, "validation_failed", path);
    });
  }

  test("a forged cursor → 422 naming the cursor", async () => {
    const forged = Buffer.from(
      JSON.stringify({ k: "x'; drop table sessions;--", id: "1", s: "created_at" }),
    ).toString("base64url");
    expectError(await s.api(`/api/v1/sessions?cursor=${forged}`), 422, "validation_failed", "cursor");
    expectError(await s.api(`/api/v1/sessions?cursor=%%%`), 422, "validation_failed", "cursor");
  });

  test("a cursor from another sort order is refused", async () => {
    await create(s, { prompt: "succeed" });
    await create(s, { prompt: "succeed" });
    const page = await s.api("/api/v1/sessions?limit=1&sort=-createdAt");
    expect(page.body.nextCursor).toBeTruthy();
    expectError(
      await s.api(`/api/v1/sessions?limit=1&sort=priority&cursor=${page.body.nextCursor}`),
      422,
      "validation_failed",
      "cursor",
    );
  });
});

describe("update and actions", () => {
  test("update rejects wrong types, unknown fields and an empty patch, naming the field", async () => {
    const id = (await create(s, { prompt: "succeed" })).id;
    expectError(
      await s.api(`/api/v1/sessions/${id}`, { method: "PATCH", json: { priority: 3 } }),
      422,
      "validation_failed",
      "body.priority",
    );
    expectError(
      await s.api(`/api/v1/sessions/${id}`, { method: "PATCH", json: { status: "completed" } }),
      422,
      "validation_failed",
    );
    expectError(
      await s.api(`/api/v1/sessions/${id}`, { method: "PATCH", json: {} }),
      422,
      "validation_failed",
    );
    expectError(
      await s.api(`/api/v1/sessions/${id}`, {
        method: "PATCH",
        body: "{",
        headers: { "content-type": "application/json" },
      }),
      400,
      "malformed_json",
    );
    const ok = await s.api(`/api/v1/sessions/${id}`, {
      method: "PATCH",
      json: { title: "Renamed", priority: "critical", tags: ["x"] },
    });
    expect(ok.body).toMatchObject({ title: "Renamed", priority: "critical", tags: ["x"] });
  });

  test("an ended session cannot be updated (409)", async () => {
    const id = (await create(s, { prompt: "succeed" })).id;
    await s.api(`/api/v1/sessions/${id}/cancel`, { method: "POST" });
    expectError(
      await s.api(`/api/v1/sessions/${id}`, { method: "PATCH", json: { title: "x" } }),
      409,
      "invalid_transition",
    );
  });

  test("an invalid transition → 409 listing the allowed ones", async () => {
    const id = (await create(s, { prompt: "succeed" })).id;
    const r = await s.api(`/api/v1/sessions/${id}/resume`, { method: "POST" });
    expectError(r, 409, "invalid_transition");
    expect(r.body.error.details).toMatchObject({
      status: "queued",
      event: "resume",
      allowed: ["claim", "timeout", "pause", "cancel"],
    });
  });

  test("a malformed id → 422, an unknown id → 404", async () => {
    expectError(await s.api("/api/v1/sessions/not-a-uuid"), 422, "validation_failed", "params.id");
    expectError(await s.api("/api/v1/sessions/00000000-0000-4000-8000-000000000000"), 404, "not_found");
    expectError(
      await s.api("/api/v1/sessions/00000000-0000-4000-8000-000000000000/cancel", { method: "POST" }),
      404,
      "not_found",
    );
  });

  test("an action body must be JSON with only a reason", async () => {
    const id = (await create(s, { prompt: "succeed" })).id;
    expectError(
      await s.api(`/api/v1/sessions/${id}/cancel`, { method: "POST", json: { reason: 5 } }),
      422,
      "validation_failed",
      "body.reason",
    );
    const r = await s.api(`/api/v1/sessions/${id}/cancel`, {
      method: "POST",
      json: { reason: "not needed" },
    });
    expect(r.body).toMatchObject({
      status: "cancelled",
      error: { code: "cancelled", message: "not needed" },
    });
  });

  test("events paging rejects negative and huge values", async () => {
    const id = (await create(s, { prompt: "succeed" })).id;
    expectError(
      await s.api(`/api/v1/sessions/${id}/events?after=-1`),
      422,
      "validation_failed",
      "query.after",
    );
    expectError(
      await s.api(`/api/v1/sessions/${id}/events?limit=5000`),
      422,
      "validation_failed",
      "query.limit",
    );
  });
});
