import { expect, test } from "vitest";
import * as Context from "./context.ts";

test("a pointer's keys may hold any character, newlines too; a path that is not a pointer is refused", () => {
  expect(Context.Op.safeParse({ op: "add", path: "/a\nb/c d", value: 1 }).success).toBe(true);
  expect(Context.Op.safeParse({ op: "add", path: "a/b", value: 1 }).success).toBe(false);
  expect(Context.pointer("seen.line one\nline two")).toBe("/seen/line one\nline two");
});
