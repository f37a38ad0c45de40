import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestServer, create, serve, settle } from "./harness.ts";
import { start } from "../src/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await serve();
});
afterAll(() => s?.stop());

test("liveness and readiness report the database and the engine loop", async () => {
  expect((await s.api("/health/live", { key: null })).body).toEqual({ status: "ok" });
  const ready = await s.api("/health/ready", { key: null });
  expect(ready.status).toBe(200);
  expect(ready.body.checks.database.ok).toBe(true);
  expect(ready.body.checks.engine.ok).toBe(true);
});

test("metrics expose HTTP timings, sessions by status, claims, lease expiries and retries", async () => {
  const { id } = await create(s, { prompt: "fail-attempt 1 once\nsucceed" });
  await settle(s, id, ["completed"]);
  const text: string = (await s.api("/metrics", { key: null })).body;
  expect(text).toContain("http_request_duration_seconds_bucket");
  expect(text).toMatch(/orchestrator_sessions\{status="completed"\} [1-9]/);
  expect(text).toMatch(/orchestrator_claims_total [2-9]/);
  expect(text).toMatch(/orchestrator_retries_total [1-9]/);
  expect(text).toContain("orchestrator_lease_expiries_total");
});

test("the OpenAPI 3.1 document is generated from the schemas, with a docs page", async () => {
  const doc = (await s.api("/openapi.json", { key: null })).body;
  expect(doc.openapi).toBe("3.1.0");
  expect(Object.keys(doc.paths)).toEqual(
    expect.arrayContaining([
      "/api/v1/sessions",
      "/api/v1/sessions/{id}",
      "/api/v1/sessions/{id}/events",
      "/api/v1/sessions/{id}/cancel",
    ]),
  );
  const create = doc.paths["/api/v1/sessions"].post.requestBody.content["application/json"].schema;
  expect(JSON.stringify(create)).toContain("CreateSession");
  expect(doc.components.schemas.Session.properties.status).toBeTruthy();
  const docs = await fetch(`${s.url}/docs`);
  expect(docs.headers.get("content-type")).toContain("text/html");
  expect((await fetch(`${s.url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
});

test("unknown routes get a JSON 404, and every answer carries a request id", async () => {
  const r = await s.api("/api/v1/nothing-here");
  expect(r.status).toBe(404);
  expect(r.body.error.code).toBe("not_found");
  expect(r.headers.get("x-request-id")).toMatch(/.+/);
  const mine = await s.api("/health/live", { headers: { "x-request-id": "abc-123" } });
  expect(mine.headers.get("x-request-id")).toBe("abc-123");
});

test("the status page is served at /", async () => {
  const html = await (await fetch(s.url)).text();
  expect(html).toContain("Industrial Orchestrator");
  expect(html).toContain("/api/v1/sessions/stats");
});

test("built-in agents are listed with their test-double labels: the scripted agent, one per OpenCode profile", async () => {
  const r = await s.api("/api/v1/agents");
  expect(r.body.items).toEqual(
    expect.arrayContaining([
      expect.objectContaining({
        name: "scripted",
        kind: "scripted",
        label: expect.stringContaining("not an AI"),
      }),
      expect.objectContaining({
        name: "demo",
        kind: "opencode",
        label: expect.stringContaining("not an AI"),
      }),
      expect.objectContaining({ name: "demo-supervised", kind: "opencode", origin: "internal" }),
    ]),
  );
  const demo = r.body.items.find((a: any) => a.name === "demo");
  expect(demo.capabilities).toContain("workspace");
  expect(demo).toMatchObject({ status: "online", tenantOwned: false, breaker: { state: "closed" } });
});

test("unauthenticated dev mode refuses to listen beyond loopback", async () => {
  await expect(
    start({
      memory: true,
      env: {},
      config: { devNoAuth: true, host: "0.0.0.0", port: 0, logLevel: "silent" },
    }),
  ).rejects.toThrow(/loopback/);
});
