import { describe, expect, test } from "vitest";
import { Context } from "@orchestrator/sdk";
import { type Op, type Touch, apply, conflicts, equal, format, overlaps, parse } from "./patch.ts";

const ok = (doc: unknown, ops: Op[]) => {
  const r = apply(doc, ops);
  if (!r.ok) throw new Error(`refused: ${JSON.stringify(r.refusal)}`);
  return r.doc;
};

describe("JSON Patch (RFC 6902) over pointers (RFC 6901)", () => {
  test("pointers escape / and ~; dot paths read as pointers", () => {
    expect(parse("/a~1b/m~0n/0")).toEqual(["a/b", "m~n", "0"]);
    expect(parse("")).toEqual([]);
    expect(parse("a")).toBeNull();
    expect(format(["a/b", "m~n"])).toBe("/a~1b/m~0n");
    expect(Context.pointer("api.routes.0")).toBe("/api/routes/0");
    expect(Context.pointer("/a/b")).toBe("/a/b");
    expect(Context.valueAt({ a: [{ b: 7 }] }, "/a/0/b")).toBe(7);
  });

  test("the RFC's examples: add, remove, replace, move, copy, test", () => {
    expect(ok({ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }])).toEqual({
      foo: "bar",
      baz: "qux",
    });
    expect(ok({ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }])).toEqual({
      foo: ["bar", "qux", "baz"],
    });
    expect(ok({ foo: [1] }, [{ op: "add", path: "/foo/-", value: 2 }])).toEqual({ foo: [1, 2] });
    expect(ok({ baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }])).toEqual({ foo: "bar" });
    expect(ok({ foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/1" }])).toEqual({
      foo: ["bar", "baz"],
    });
    expect(ok({ baz: "qux" }, [{ op: "replace", path: "/baz", value: "boo" }])).toEqual({ baz: "boo" });
    expect(
      ok({ foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } }, [
        { op: "move", from: "/foo/waldo", path: "/qux/thud" },
      ]),
    ).toEqual({ foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } });
    expect(
      ok({ foo: ["all", "grass", "cows", "eat"] }, [{ op: "move", from: "/foo/1", path: "/foo/3" }]),
    ).toEqual({
      foo: ["all", "cows", "eat", "grass"],
    });
    expect(ok({ a: { b: 1 } }, [{ op: "copy", from: "/a", path: "/c" }])).toEqual({
      a: { b: 1 },
      c: { b: 1 },
    });
    expect(
      ok({ baz: "qux", foo: ["a", 2, "c"] }, [{ op: "test", path: "/foo", value: ["a", 2, "c"] }]),
    ).toEqual({
      baz: "qux",
      foo: ["a", 2, "c"],
    });
    expect(ok({ "/": 9, "~1": 10 }, [{ op: "test", path: "/~01", value: 10 }])).toEqual({ "/": 9, "~1": 10 });
  });

  test("a refusal names the operation and path, and nothing of the patch is applied", () => {
    const doc = { a: { b: 1 }, list: [1, 2] };
    const r = apply(doc, [
      { op: "replace", path: "/a/b", value: 2 },
      { op: "add", path: "/list/-", value: 3 },
      { op: "test", path: "/a/b", value: 1 },
    ]);
    expect(r).toMatchObject({ ok: false, refusal: { index: 2, path: "/a/b", code: "test_failed" } });
    expect(doc).toEqual({ a: { b: 1 }, list: [1, 2] });
    expect(apply(doc, [{ op: "add", path: "/x/y", value: 1 }])).toMatchObject({
      ok: false,
      refusal: { code: "missing", path: "/x/y" },
    });
    expect(apply(doc, [{ op: "replace", path: "/nope", value: 1 }])).toMatchObject({ ok: false });
    expect(apply(doc, [{ op: "add", path: "/list/5", value: 1 }])).toMatchObject({ ok: false });
    expect(apply(doc, [{ op: "add", path: "/list/01", value: 1 }])).toMatchObject({ ok: false });
    expect(apply(doc, [{ op: "move", from: "/a", path: "/a/b/c" }])).toMatchObject({
      ok: false,
      refusal: { code: "invalid" },
    });
  });

  test("increment and append merge: a counter or a list that does not exist yet starts empty", () => {
    const d = ok({}, [
      { op: "increment", path: "/n", value: 2 },
      { op: "increment", path: "/n", value: 3 },
      { op: "append", path: "/log", value: "a" },
      { op: "append", path: "/log", value: { b: 1 } },
    ]);
    expect(d).toEqual({ n: 5, log: ["a", { b: 1 }] });
    expect(apply({ n: "x" }, [{ op: "increment", path: "/n", value: 1 }])).toMatchObject({
      ok: false,
      refusal: { code: "invalid", message: "/n is not a number" },
    });
    expect(apply({ l: 1 }, [{ op: "append", path: "/l", value: 1 }])).toMatchObject({ ok: false });
  });

  test("what a patch touches: an insert or removal inside an array touches the array", () => {
    const t = (doc: unknown, ops: Op[]) => (apply(doc, ops) as { touched: Touch[] }).touched;
    expect(t({ l: [1, 2, 3] }, [{ op: "remove", path: "/l/0" }])).toEqual([{ path: "/l", kind: "set" }]);
    expect(t({ l: [1, 2, 3] }, [{ op: "remove", path: "/l/2" }])).toEqual([{ path: "/l/2", kind: "set" }]);
    expect(t({ l: [1, 2, 3] }, [{ op: "replace", path: "/l/0", value: 9 }])).toEqual([
      { path: "/l/0", kind: "set" },
    ]);
    expect(t({ a: {} }, [{ op: "move", from: "/a", path: "/b" }])).toEqual([
      { path: "/a", kind: "set" },
      { path: "/b", kind: "set" },
    ]);
    expect(t({}, [{ op: "increment", path: "/n", value: 1 }])).toEqual([{ path: "/n", kind: "merge" }]);
  });
});

describe("a stale write against what changed since its version", () => {
  test("overlap is by path prefix; merges of one path never conflict; a merge and a set do", () => {
    expect(overlaps("/a", "/a/b")).toBe(true);
    expect(overlaps("/a/b", "/a")).toBe(true);
    expect(overlaps("/a/b", "/a/c")).toBe(false);
    expect(overlaps("/ab", "/a")).toBe(false);
    expect(overlaps("", "/x")).toBe(true);
    const set = (path: string): Touch => ({ path, kind: "set" });
    const merge = (path: string): Touch => ({ path, kind: "merge" });
    expect(conflicts([set("/a/b")], [set("/a/c"), set("/z")])).toEqual([]);
    expect(conflicts([set("/a/b")], [set("/a"), set("/a/b/c")])).toEqual(["/a", "/a/b/c"]);
    expect(conflicts([merge("/n")], [merge("/n")])).toEqual([]);
    expect(conflicts([merge("/n")], [set("/n")])).toEqual(["/n"]);
  });

  // The property the store relies on: two patches from one version whose touches do not conflict apply
  // in either order, to the same document. So a stale write that does not conflict can be rebased.
  test("property: writes that do not conflict commute (2,000 random pairs)", () => {
    let seed = 42;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const keys = ["a", "b", "c"] as const;
    const base = () => ({
      a: { x: 1, y: [1, 2, 3], z: { q: "s" } },
      b: [{ k: 1 }, { k: 2 }],
      c: 5,
    });
    const paths = [
      "/a",
      "/a/x",
      "/a/y",
      "/a/y/0",
      "/a/y/2",
      "/a/y/-",
      "/a/z",
      "/a/z/q",
      "/b",
      "/b/0",
      "/b/1/k",
      "/c",
      "/d",
    ];
    const op = (): Op => {
      const path = pick(paths);
      switch (pick(["add", "remove", "replace", "increment", "move", "copy", "test"] as const)) {
        case "test":
          return { op: "test", path, value: pick([1, 5, [1, 2, 3], "s"]) };
        case "add":
          return { op: "add", path, value: Math.floor(rnd() * 100) };
        case "remove":
          return { op: "remove", path };
        case "replace":
          return { op: "replace", path, value: pick(keys) };
        case "increment":
          return { op: "increment", path: pick(["/c", "/a/x", "/n"]), value: 1 };
        case "move":
          return { op: "move", from: pick(paths), path };
        case "copy":
          return { op: "copy", from: pick(paths), path };
      }
    };
    let checked = 0;
    for (let i = 0; i < 2000; i++) {
      const p1 = Array.from({ length: 1 + Math.floor(rnd() * 3) }, op);
      const p2 = Array.from({ length: 1 + Math.floor(rnd() * 3) }, op);
      const r1 = apply(base(), p1);
      const r2 = apply(base(), p2);
      if (!r1.ok || !r2.ok) continue;
      if (conflicts(r2.touched!, r1.touched!).length) continue;
      const a = apply(r1.doc, p2);
      const b = apply(r2.doc, p1);
      expect(a.ok && b.ok, `pair ${i}: ${JSON.stringify({ p1, p2 })}`).toBe(true);
      expect(
        equal((a as { doc: unknown }).doc, (b as { doc: unknown }).doc),
        `pair ${i}: ${JSON.stringify({ p1, p2 })}`,
      ).toBe(true);
      checked++;
    }
    // Enough pairs were independent to mean something.
    expect(checked).toBeGreaterThan(200);
  });
});
