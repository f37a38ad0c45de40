import { expect, test } from "vitest";
import { AppError } from "../error.ts";
import { compose } from "./review.ts";

const patch = [
  "diff --git a/src/lex.ts b/src/lex.ts",
  "index 1111111..2222222 100644",
  "--- a/src/lex.ts",
  "+++ b/src/lex.ts",
  "@@ -1,8 +1,8 @@",
  " const a = 1;",
  " const b = 2;",
  " const c = 3;",
  "-export function lex() {}",
  "+export function tokenize() {}",
  " const d = 4;",
  " const e = 5;",
  " const f = 6;",
  " const g = 7;",
  "",
].join("\n");

test("review comments become one prompt: each file, line and comment with the hunk around it", () => {
  const text = compose(
    "Close, two things.",
    [
      { file: "src/lex.ts", line: 4, side: "new", text: "Keep the old name: callers use lex." },
      { file: "src/lex.ts", line: 4, side: "old", text: "This was public API." },
    ],
    patch,
  );
  expect(text).toBe(
    [
      "Close, two things.",
      "A review of your changes asks for the following. Make them on the same branch.",
      "1. src/lex.ts, line 4: Keep the old name: callers use lex.",
      "```diff\n@@ -1,8 +1,8 @@\n const b = 2;\n const c = 3;\n-export function lex() {}\n+export function tokenize() {}\n const d = 4;\n const e = 5;\n const f = 6;\n```",
      "2. src/lex.ts, removed line 4: This was public API.",
      "```diff\n@@ -1,8 +1,8 @@\n const a = 1;\n const b = 2;\n const c = 3;\n-export function lex() {}\n+export function tokenize() {}\n const d = 4;\n const e = 5;\n```",
    ].join("\n\n"),
  );
});

test("a comment off the diff is refused by field, naming what is wrong", () => {
  const refused = (c: { file: string; line: number }) => {
    try {
      compose("", [{ ...c, side: "new", text: "?" }], patch);
    } catch (err) {
      expect(err).toBeInstanceOf(AppError);
      return (err as AppError).message;
    }
    throw new Error("not refused");
  };
  expect(refused({ file: "README.md", line: 1 })).toBe(
    "body.comments.0.file: README.md is not among the files the session changed",
  );
  expect(refused({ file: "src/lex.ts", line: 40 })).toBe(
    "body.comments.0.line: line 40 (new) of src/lex.ts is not in the diff",
  );
});
