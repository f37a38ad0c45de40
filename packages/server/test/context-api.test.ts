import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, serve } from "./harness.ts";

// Shared context over REST: ETags and If-Match, refusals by path, and concurrent writers through the API.
let s: TestServer;
beforeAll(async () => {
  s = await serve();
}, 60_000);
afterAll(() => s?.stop());

const make = async (json: Record<string, unknown>) => {
  const r = await s.api("/api/v1/contexts", { method: "POST", json });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
};
const patch = (id: string, json: Record<string, unknown>, ifMatch?: string) =>
  s.api(`/api/v1/contexts/${id}`, {
    method: "PATCH",
    json,
    ...(ifMatch ? { headers: { "if-match": ifMatch } } : {}),
  });

describe("context documents over REST", () => {
  test("create, read with its ETag, patch with If-Match, and read the history", async () => {
    const doc = await make({ scope: "plan", ownerId: "plan-1", name: "notes", data: { api: "rest" } });
    const got = await s.api(`/api/v1/contexts/${doc.id}`);
    expect(got.headers.get("etag")).toBe('"0"');
    const r = await patch(doc.id, { ops: [{ op: "add", path: "/db", value: "postgres" }] }, '"0"');
    expect(r.status).toBe(200);
    expect(r.headers.get("etag")).toBe('"1"');
    expect(r.body.data).toEqual({ api: "rest", db: "postgres" });
    const h = await s.api(`/api/v1/contexts/${doc.id}/history`);
    expect(h.body.items).toMatchObject([{ version: 1, touched: [{ path: "/db", kind: "set" }] }]);
    expect(h.body.items[0].actor.key).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("refusals name their field or path: 422, 412 with current values, 428, 413, 404", async () => {
    const owner = await s.api("/api/v1/contexts", { method: "POST", json: { scope: "plan", name: "x" } });
    expect(owner.status).toBe(422);
    expect(owner.body.error.details.issues[0].path).toBe("body.ownerId");
    const bad = await s.api("/api/v1/contexts", {
      method: "POST",
      json: { scope: "plan", ownerId: "p", name: "x", extra: 1 },
    });
    expect(bad.status).toBe(422);
    const doc = await make({ scope: "project", ownerId: "proj", name: "c", data: { a: 1 } });
    expect((await patch(doc.id, { ops: [{ op: "replace", path: "/a", value: 2 }] }, '"0"')).status).toBe(200);
    const stale = await patch(doc.id, { ops: [{ op: "replace", path: "/a", value: 3 }] }, '"0"');
    expect(stale.status).toBe(412);
    expect(stale.body.error.details.conflicts).toEqual([{ path: "/a", current: 2 }]);
    const blind = await patch(doc.id, { ops: [{ op: "replace", path: "/a", value: 3 }] });
    expect(blind.status).toBe(428);
    const ptr = await patch(doc.id, { ops: [{ op: "replace", path: "a", value: 3 }] }, '"1"');
    expect(ptr.status).toBe(422);
    expect(ptr.body.error.details.issues[0].path).toBe("body.ops.0.path");
    const big = await patch(doc.id, { ops: [{ op: "add", path: "/v", value: "x".repeat(300_000) }] }, '"1"');
    expect(big.status).toBe(413);
    expect(big.body.error.details.path).toBe("body.ops.0.value");
    const none = await s.api("/api/v1/contexts/00000000-0000-4000-8000-000000000000");
    expect(none.status).toBe(404);
  });

  test("50 writers incrementing one counter 200 times each through the API: exactly 10,000", async () => {
    const doc = await make({ scope: "plan", ownerId: "counter", name: "n" });
    // node:http with kept-alive connections: fetch's CPU per request, in the server's own process, would
    // be most of this test's time.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 50 });
    const { hostname, port } = new URL(s.url);
    const body = JSON.stringify({ ops: [{ op: "increment", path: "/n", value: 1 }] });
    const headers = { authorization: `Bearer ${s.key}`, "content-type": "application/json" };
    const send = () =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = http.request(
          { agent, hostname, port, method: "PATCH", path: `/api/v1/contexts/${doc.id}`, headers },
          (res) => {
            let text = "";
            res.setEncoding("utf8").on("data", (d: string) => (text += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
          },
        );
        req.on("error", reject);
        req.end(body);
      });
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        for (let i = 0; i < 200; i++) {
          const r = await send();
          if (r.status !== 200) throw new Error(`${r.status} ${r.text}`);
        }
      }),
    ).finally(() => agent.destroy());
    const after = (await s.api(`/api/v1/contexts/${doc.id}`)).body;
    expect(after).toMatchObject({ version: 10_000, data: { n: 10_000 } });
  }, 180_000);

  test("50 writers read-modify-writing one list with If-Match: no update lost, every refusal a 412 on its path", async () => {
    const doc = await make({ scope: "plan", ownerId: "rmw", name: "list", data: { items: [], other: 0 } });
    const refused: unknown[] = [];
    await Promise.all(
      Array.from({ length: 50 }, async (_, w) => {
        for (;;) {
          const got = await s.api(`/api/v1/contexts/${doc.id}`);
          const items = [...got.body.data.items, w];
          const r = await patch(
            doc.id,
            { ops: [{ op: "replace", path: "/items", value: items }] },
            got.headers.get("etag")!,
          );
          if (r.status === 200) return;
          if (r.status !== 412) throw new Error(`${r.status} ${JSON.stringify(r.body)}`);
          refused.push(r.body.error.details.conflicts.map((c: { path: string }) => c.path));
        }
      }),
    );
    const after = (await s.api(`/api/v1/contexts/${doc.id}`)).body;
    expect([...after.data.items].sort((a: number, b: number) => a - b)).toEqual(
      Array.from({ length: 50 }, (_, i) => i),
    );
    expect(after.version).toBe(50);
    for (const paths of refused) expect(paths).toEqual(["/items"]);
  }, 120_000);
});
