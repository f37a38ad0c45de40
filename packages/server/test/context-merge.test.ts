import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, serve, until } from "./harness.ts";

// Versions, diffs, merges and promotion of shared context over REST.
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
const patch = async (id: string, ops: unknown[], v: number) => {
  const r = await s.api(`/api/v1/contexts/${id}`, {
    method: "PATCH",
    json: { ops },
    headers: { "if-match": `"${v}"` },
  });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

describe("versions and diffs", () => {
  test("any version is replayed from history; a diff names what changed between two", async () => {
    const d = await make({ scope: "plan", ownerId: "p-v", name: "v", data: { a: 1 } });
    await patch(d.id, [{ op: "add", path: "/b", value: [1] }], 0);
    await patch(
      d.id,
      [
        { op: "replace", path: "/a", value: 2 },
        { op: "append", path: "/b", value: 2 },
      ],
      1,
    );
    const at = async (v: number) => (await s.api(`/api/v1/contexts/${d.id}/versions/${v}`)).body.data;
    expect(await at(0)).toEqual({ a: 1 });
    expect(await at(1)).toEqual({ a: 1, b: [1] });
    expect(await at(2)).toEqual({ a: 2, b: [1, 2] });
    expect((await s.api(`/api/v1/contexts/${d.id}/versions/3`)).status).toBe(404);
    const last = (await s.api(`/api/v1/contexts/${d.id}/diff`)).body;
    expect(last).toMatchObject({ from: { version: 1 }, to: { version: 2 } });
    expect(last.changes).toEqual([
      { path: "/a", kind: "changed", before: 1, after: 2 },
      { path: "/b", kind: "changed", before: [1], after: [1, 2] },
    ]);
    const all = (await s.api(`/api/v1/contexts/${d.id}/diff?from=0&to=2`)).body.changes;
    expect(all.map((c: any) => [c.path, c.kind])).toEqual([
      ["/a", "changed"],
      ["/b", "added"],
    ]);
    const other = await make({ scope: "plan", ownerId: "p-v", name: "w", data: { a: 2 } });
    const against = (await s.api(`/api/v1/contexts/${d.id}/diff?against=${other.id}`)).body.changes;
    expect(against).toEqual([{ path: "/b", kind: "added", after: [1, 2] }]);
    const both = await s.api(`/api/v1/contexts/${d.id}/diff?against=${other.id}&from=0`);
    expect(both.status).toBe(422);
    // The history with each touched path's value before and after.
    const h = (await s.api(`/api/v1/contexts/${d.id}/history?values=true`)).body.items;
    expect(h.map((c: any) => c.values)).toEqual([
      [{ path: "/b", after: [1] }],
      [
        { path: "/a", before: 1, after: 2 },
        { path: "/b", before: [1], after: [1, 2] },
      ],
    ]);
    expect((await s.api(`/api/v1/contexts/${d.id}/history?values=true&limit=101`)).status).toBe(422);
  });
});

describe("merges", () => {
  test("a deep merge applies at once, as a patch of what changed, attributed and caused", async () => {
    const t = await make({ scope: "project", ownerId: "pr-1", name: "m1", data: { a: 1, l: ["x"] } });
    const src = await make({ scope: "session", ownerId: "s-1", name: "m1", data: { b: 2, l: ["y"] } });
    const r = await s.api(`/api/v1/contexts/${t.id}/merge`, { method: "POST", json: { source: src.id } });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({
      status: "applied",
      strategy: "deep_merge",
      targetVersion: 0,
      wrote: 1,
      conflicts: [],
    });
    expect((await s.api(`/api/v1/contexts/${t.id}`)).body.data).toEqual({ a: 1, b: 2, l: ["x", "y"] });
    const h = (await s.api(`/api/v1/contexts/${t.id}/history`)).body.items;
    expect(h[0]).toMatchObject({ causationId: `merge:${src.id}`, touched: [{ path: "/b" }, { path: "/l" }] });
    expect(h[0].actor.key).toBeTruthy();
  });

  test("a manual merge with conflicts waits for a person, who settles it; a stale one is refused", async () => {
    const t = await make({ scope: "project", ownerId: "pr-2", name: "m2", data: { db: "pg", port: 1 } });
    const src = await make({
      scope: "session",
      ownerId: "s-2",
      name: "m2",
      data: { db: "sqlite", port: 2, x: 1 },
    });
    const m = (
      await s.api(`/api/v1/contexts/${t.id}/merge`, {
        method: "POST",
        json: { source: src.id, strategy: "manual" },
      })
    ).body;
    expect(m).toMatchObject({ status: "open", wrote: null });
    expect(m.conflicts).toEqual([
      { path: "/db", target: "pg", source: "sqlite" },
      { path: "/port", target: 1, source: 2 },
    ]);
    expect((await s.api(`/api/v1/contexts/${t.id}`)).body.version).toBe(0); // nothing written yet
    expect((await s.api("/api/v1/context-merges?status=open")).body.items.map((x: any) => x.id)).toContain(
      m.id,
    );
    // It waits in the attention queue, pointing at the document it merges into, until it is settled.
    const waiting = async () =>
      (await s.api("/api/v1/attention")).body.items.find((i: any) => i.merge?.id === m.id);
    expect(await waiting()).toMatchObject({
      kind: "merge",
      sessionId: null,
      title: "merge session “m2” into project “m2”",
      detail: "2 conflicting paths to settle",
      link: `/contexts/${t.id}`,
      merge: { sourceId: src.id, targetId: t.id, conflicts: 2 },
    });
    const partial = await s.api(`/api/v1/context-merges/${m.id}/resolve`, {
      method: "POST",
      json: { choices: [{ path: "/db", take: "source" }] },
    });
    expect(partial.status).toBe(422);
    expect(partial.body.error.message).toContain("/port");
    const done = await s.api(`/api/v1/context-merges/${m.id}/resolve`, {
      method: "POST",
      json: {
        choices: [
          { path: "/db", take: "source" },
          { path: "/port", take: "value", value: 3 },
        ],
      },
    });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect(done.body).toMatchObject({ status: "resolved", wrote: 1 });
    expect(await waiting()).toBeUndefined();
    expect((await s.api(`/api/v1/contexts/${t.id}`)).body.data).toEqual({ db: "sqlite", port: 3, x: 1 });
    const again = await s.api(`/api/v1/context-merges/${m.id}/resolve`, {
      method: "POST",
      json: { choices: [{ path: "/db", take: "source" }] },
    });
    expect(again.status).toBe(409);

    // The target moves after the merge was computed: settling it would overwrite unseen changes.
    const m2 = (
      await s.api(`/api/v1/contexts/${t.id}/merge`, {
        method: "POST",
        json: { source: src.id, strategy: "manual" },
      })
    ).body;
    expect(m2.status).toBe("open");
    await patch(t.id, [{ op: "replace", path: "/port", value: 9 }], 1);
    const stale = await s.api(`/api/v1/context-merges/${m2.id}/resolve`, {
      method: "POST",
      json: { choices: [{ path: "/port", take: "source" }] },
    });
    expect(stale.status).toBe(412);
    expect((await s.api(`/api/v1/context-merges/${m2.id}/abandon`, { method: "POST" })).body.status).toBe(
      "abandoned",
    );
  });

  test("promote a session's document to its plan, made if need be; a tenant target needs an admin", async () => {
    const src = await make({
      scope: "session",
      ownerId: "s-3",
      name: "findings",
      data: { bug: "race in cache" },
    });
    const r = await s.api(`/api/v1/contexts/${src.id}/promote`, {
      method: "POST",
      json: { scope: "plan", ownerId: "p-3" },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    const plan = (await s.api(`/api/v1/contexts?scope=plan&ownerId=p-3&name=findings`)).body.items[0];
    expect(plan.data).toEqual({ bug: "race in cache" });
    expect(r.body.targetId).toBe(plan.id);
    const viewer = (await s.api("/api/v1/keys", { method: "POST", json: { name: "m", role: "member" } })).body
      .key;
    const t = await s.api(`/api/v1/contexts/${src.id}/promote`, {
      method: "POST",
      json: { scope: "tenant" },
      key: viewer,
    });
    expect(t.status).toBe(403);
    const bad = await s.api(`/api/v1/contexts/${src.id}/promote`, {
      method: "POST",
      json: { scope: "plan" },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.issues[0].path).toBe("body.ownerId");
    const self = await s.api(`/api/v1/contexts/${src.id}/merge`, {
      method: "POST",
      json: { source: src.id },
    });
    expect(self.status).toBe(422);
  });
});

describe("a plan's document", () => {
  test("a plan whose document is full still runs: its tasks' ends do not depend on the write", async () => {
    const p = await s.api("/api/v1/plans", {
      method: "POST",
      json: { title: "full", tasks: [{ key: "a", title: "A", prompt: "succeed a", agent: "scripted" }] },
    });
    expect(p.status).toBe(201);
    // Filled to a few hundred bytes under its 1 MB, in values of at most 256 KB each.
    const doc0 = await make({ scope: "plan", ownerId: p.body.id, name: "main" });
    for (let i = 0; i < 4; i++)
      await patch(doc0.id, [{ op: "add", path: `/p${i}`, value: "x".repeat(262_000) }], i);
    await patch(doc0.id, [{ op: "add", path: "/p4", value: "x".repeat(480) }], 4);
    await s.api(`/api/v1/plans/${p.body.id}/start`, { method: "POST", json: {} });
    const done = await until(async () => {
      const v = (await s.api(`/api/v1/plans/${p.body.id}`)).body;
      return v.status === "running" || v.status === "draft" ? null : v;
    });
    expect(done.status).toBe("succeeded");
    const doc = (await s.api(`/api/v1/contexts?scope=plan&ownerId=${p.body.id}`)).body.items[0];
    expect(doc.version).toBe(5); // the tasks' write did not fit, and was undone alone
    expect(doc.data.tasks).toBeUndefined();
  });
});
