import { describe, expect, test } from "vitest";
import { diff, merge, patchOf, resolve } from "./merge.ts";
import { apply } from "./patch.ts";

const target = { db: "postgres", tags: ["a", "b"], api: { style: "rest", port: 80 }, only: "t" };
const source = { db: "sqlite", tags: ["b", "c"], api: { style: "rest", auth: "key" }, extra: 1 };

describe("diff", () => {
  test("lists the differing leaves by pointer, objects walked and arrays whole", () => {
    expect(diff(target, source)).toEqual([
      { path: "/api/auth", kind: "added", after: "key" },
      { path: "/api/port", kind: "removed", before: 80 },
      { path: "/db", kind: "changed", before: "postgres", after: "sqlite" },
      { path: "/extra", kind: "added", after: 1 },
      { path: "/only", kind: "removed", before: "t" },
      { path: "/tags", kind: "changed", before: ["a", "b"], after: ["b", "c"] },
    ]);
    expect(diff(1, 1)).toEqual([]);
    expect(diff({ "a/b": 1 }, { "a/b": 2 })[0]!.path).toBe("/a~1b");
  });

  test("patchOf(a, b) applied to a gives b", () => {
    const out = apply(structuredClone(target), patchOf(target, source));
    expect(out.ok && out.doc).toEqual(source);
  });
});

describe("the five strategies are distinct", () => {
  const run = (s: Parameters<typeof merge>[2], newer = false) => merge(target, source, s, newer);

  test("last_write_wins takes the document changed last, whole", () => {
    expect(run("last_write_wins", true).data).toEqual(source);
    expect(run("last_write_wins", false).data).toEqual(target);
  });
  test("deep_merge joins arrays and takes the source's scalars", () => {
    expect(run("deep_merge").data).toEqual({
      db: "sqlite",
      tags: ["a", "b", "c"],
      api: { style: "rest", port: 80, auth: "key" },
      only: "t",
      extra: 1,
    });
  });
  test("prefer_source takes the source's arrays and scalars", () => {
    expect(run("prefer_source").data).toMatchObject({ db: "sqlite", tags: ["b", "c"], only: "t", extra: 1 });
  });
  test("prefer_target keeps the target's and adds what it lacks", () => {
    expect(run("prefer_target").data).toEqual({ ...target, api: { ...target.api, auth: "key" }, extra: 1 });
  });
  test("manual merges what does not conflict and names each conflict", () => {
    const m = run("manual");
    expect(m.conflicts).toEqual([
      { path: "/db", target: "postgres", source: "sqlite" },
      { path: "/tags", target: ["a", "b"], source: ["b", "c"] },
    ]);
    expect(m.data).toMatchObject({ db: "postgres", extra: 1, api: { auth: "key", port: 80 } });
    const settled = resolve(m.data, m.conflicts, [
      { path: "/db", take: "source" },
      { path: "/tags", take: "value", value: ["z"] },
    ]);
    expect(settled).toMatchObject({ db: "sqlite", tags: ["z"], only: "t" });
  });
});
