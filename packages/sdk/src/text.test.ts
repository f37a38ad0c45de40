import { expect, test } from "vitest";
import { storable, textFlaw, unstorable } from "./text.ts";

test("a NUL or a lone surrogate is a flaw; a surrogate pair is not", () => {
  expect(textFlaw("a\u0000b")).toMatch(/NUL/);
  expect(textFlaw("a\ud800b")).toMatch(/surrogate/);
  expect(textFlaw("a\udc00")).toMatch(/surrogate/);
  expect(textFlaw("emoji \ud83d\ude00")).toBeNull();
});

test("unstorable names the first bad place in document order, keys included", () => {
  expect(unstorable({ a: "ok", b: ["x", "y\u0000"], c: "\ud800" }, ["body"])).toMatchObject({
    path: ["body", "b", "1"],
  });
  expect(unstorable({ ["k\u0000"]: 1 })?.message).toMatch(/^key /);
});

test("storable replaces what cannot be stored with U+FFFD, keys too, and keeps a clean value as it is", () => {
  const clean = { text: "fine", n: 1, list: ["a"] };
  expect(storable(clean)).toBe(clean);
  expect(storable({ out: "head\u0000tail", ["k\ud800"]: ["\udc00x", 2, null] })).toEqual({
    out: "head\ufffdtail",
    ["k\ufffd"]: ["\ufffdx", 2, null],
  });
  expect(storable("a\u0000\u0000b")).toBe("a\ufffd\ufffdb");
});
