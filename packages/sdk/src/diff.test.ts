import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { parsePatch, splitRows } from "./diff.ts";

/** A patch from real git: a modification, an added file, a deleted file and a rename. */
function realPatch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "io-diff-"));
  const git = (...a: string[]) =>
    execFileSync("git", ["-C", dir, "-c", "user.email=t@e", "-c", "user.name=t", ...a]).toString();
  try {
    git("init", "-q", "-b", "main");
    writeFileSync(path.join(dir, "a.txt"), "one\ntwo\nthree\n");
    writeFileSync(path.join(dir, "gone.txt"), "bye\n");
    writeFileSync(path.join(dir, "old name.txt"), "same\ncontent\nhere\n");
    git("add", ".");
    git("commit", "-qm", "base");
    writeFileSync(path.join(dir, "a.txt"), "one\n2\nthree\nfour\n");
    writeFileSync(path.join(dir, "new.txt"), "fresh\n");
    git("rm", "-q", "gone.txt");
    git("mv", "old name.txt", "new name.txt");
    git("add", ".");
    git("commit", "-qm", "change");
    return git("diff", "-M", "HEAD~1..HEAD");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a real git patch splits into files with their status, hunks and line numbers", () => {
  const files = parsePatch(realPatch());
  const by = Object.fromEntries(files.map((f) => [f.file, f]));
  expect(Object.keys(by).sort()).toEqual(["a.txt", "gone.txt", "new name.txt", "new.txt"]);
  expect(by["new.txt"]).toMatchObject({ status: "added", from: null, to: "new.txt" });
  expect(by["gone.txt"]).toMatchObject({ status: "deleted", from: "gone.txt", to: null });
  expect(by["new name.txt"]).toMatchObject({
    status: "renamed",
    from: "old name.txt",
    to: "new name.txt",
    hunks: [],
  });
  const a = by["a.txt"]!;
  expect(a.status).toBe("modified");
  expect(a.hunks[0]!.lines).toEqual([
    { kind: "context", text: "one", old: 1, new: 1 },
    { kind: "del", text: "two", old: 2, new: null },
    { kind: "add", text: "2", old: null, new: 2 },
    { kind: "context", text: "three", old: 3, new: 3 },
    { kind: "add", text: "four", old: null, new: 4 },
  ]);
});

test("the split view puts a deletion beside the addition that replaces it", () => {
  const a = parsePatch(realPatch()).find((f) => f.file === "a.txt")!;
  const rows = splitRows(a.hunks[0]!).map((r) => [r.left?.text ?? null, r.right?.text ?? null]);
  expect(rows).toEqual([
    ["one", "one"],
    ["two", "2"],
    ["three", "three"],
    [null, "four"],
  ]);
});
