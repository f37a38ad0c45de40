import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestServer, create, serve, settle, template } from "./harness.ts";
import { start } from "../src/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await serve();
});
afterAll(() => s?.stop());

test("liveness and readiness report the database and the engine loop", async () => {
  expect((await s.api("/health/live", { key: null })).body).toEqual({ status: "ok", auth: "key" });
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

test("the Control Room is served from its build: assets cached for good, pages fall back to index.html", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "io-dash-"));
  mkdirSync(path.join(dir, "assets"));
  const inline = "window.early = 1;";
  writeFileSync(
    path.join(dir, "index.html"),
    `<!doctype html><title>Control Room</title><script>${inline}</script><script type="module" src="/assets/app-abc.js"></script>`,
  );
  writeFileSync(path.join(dir, "assets", "app-abc.js"), "console.log(1)");
  writeFileSync(path.join(tmpdir(), "io-secret.txt"), "not for the web");
  const d = await serve({ config: { dashboardDir: dir } });
  try {
    const page = await fetch(`${d.url}/sessions/123`);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-cache");
    expect(await page.text()).toContain("Control Room");
    // Script only from here and the page's own inline script, by its hash; no framing by other sites.
    const csp = page.headers.get("content-security-policy") ?? "";
    const hash = createHash("sha256").update(inline).digest("base64");
    expect(csp).toContain(`script-src 'self' 'sha256-${hash}';`);
    expect(csp).toContain("frame-ancestors 'none'");
    expect((await fetch(`${d.url}/index.html`)).headers.get("content-security-policy")).toBe(csp);
    const js = await fetch(`${d.url}/assets/app-abc.js`);
    expect(js.headers.get("content-type")).toContain("text/javascript");
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect(js.headers.get("content-encoding")).toBe("gzip"); // fetch asked for it, and undid it
    expect(await js.text()).toBe("console.log(1)");
    expect(js.headers.get("x-content-type-options")).toBe("nosniff");
    expect(js.headers.get("content-security-policy")).toBeNull();
    // A missing asset is a 404, not the app; a path out of the build is never read; the API keeps its 404s.
    expect((await fetch(`${d.url}/assets/gone.js`)).status).toBe(404);
    const out = await fetch(`${d.url}/%2e%2e/io-secret.txt`);
    expect(await out.text()).not.toContain("not for the web");
    expect((await fetch(`${d.url}/%E0%A4%A`)).status).toBe(404);
    expect((await d.api("/api/v1/nothing")).body.error.code).toBe("not_found");
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without a build, every page says how to make one", async () => {
  const d = await serve({ config: { dashboardDir: path.join(tmpdir(), "io-no-such-build") } });
  try {
    const r = await fetch(`${d.url}/agents`);
    expect(r.status).toBe(503);
    expect(await r.text()).toContain("npm run build");
  } finally {
    await d.stop();
  }
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
      template: template(),
      env: {},
      config: { devNoAuth: true, host: "0.0.0.0", port: 0, logLevel: "silent" },
    }),
  ).rejects.toThrow(/loopback/);
});

test("liveness tells a client without a key whether this server asks for keys at all", async () => {
  const dev = await start({
    memory: true,
    template: template(),
    env: {},
    config: { devNoAuth: true, port: 0, logLevel: "silent" },
  });
  try {
    const res = await fetch(`${dev.url}/health/live`);
    expect(await res.json()).toEqual({ status: "ok", auth: "off" });
  } finally {
    await dev.stop();
  }
});
