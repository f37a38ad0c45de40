import type { Event } from "@orchestrator/sdk";
import { expect, test } from "vitest";
import { change, diff, relative } from "./edit.ts";
import { apply, empty, working } from "./fold.ts";

const kinds = (ls: { kind: string; text: string }[]) => ls.map((l) => `${l.kind[0]} ${l.text}`);

test("an edit is the lines it removes and adds, between the lines they share", () => {
  expect(kinds(diff("a\nb\nc\n", "a\nB\nc\n"))).toEqual(["c a", "d b", "a B", "c c"]);
  expect(kinds(diff("hello", "hello, reviewer"))).toEqual(["d hello", "a hello, reviewer"]);
});

test("a long unchanged stretch between changes folds to one line saying how many", () => {
  const before = ["x", ...Array.from({ length: 20 }, (_, i) => `l${i}`), "y"].join("\n");
  const after = ["X", ...Array.from({ length: 20 }, (_, i) => `l${i}`), "Y"].join("\n");
  const out = diff(before, after);
  expect(out.filter((l) => l.kind === "skip")).toEqual([{ kind: "skip", text: "14 unchanged lines" }]);
  expect(out.filter((l) => l.kind === "context")).toHaveLength(6);
});

test("write, edit and multiedit inputs become changes; anything else, or a cut input, does not", () => {
  const wt = "/data/worktrees/0b7c1d9e-1f2a-4b3c-8d4e-5f6a7b8c9d0e";
  const w = change("write", { filePath: `${wt}/src/one.txt`, content: "one\ntwo\n" });
  expect(w).toMatchObject({ file: "src/one.txt", mode: "write", added: 2, removed: 0 });
  const e = change("edit", { filePath: "README.md", oldString: "hello", newString: "hi\nthere" });
  expect(e).toMatchObject({ file: "README.md", mode: "edit", added: 2, removed: 1 });
  const m = change("multiedit", {
    filePath: "a.ts",
    edits: [
      { oldString: "a", newString: "b" },
      { oldString: "c", newString: "d" },
    ],
  });
  expect(m?.hunks).toHaveLength(2);
  expect(change("bash", { command: "ls" })).toBeNull();
  expect(change("edit", { truncated: '{"filePath":…' })).toBeNull();
  expect(relative("/x/y.txt", "/x")).toBe("y.txt");
});

let seq = 0;
const ev = (type: string, data: Record<string, unknown> = {}): Event =>
  ({ id: ++seq, sessionId: "s", seq, type, at: new Date(seq * 1000).toISOString(), data }) as Event;

test("the working line names the open tool call, says thinking between calls, and goes when the run ends", () => {
  const m = apply(empty(), [ev("session.status", { from: "queued", to: "running", event: "claim" })]);
  expect(working(m)).toBe("thinking");
  apply(m, [
    ev("agent.tool", { tool: "bash", callId: "c1", status: "running", input: { command: "sleep 3" } }),
  ]);
  expect(working(m)).toBe("running bash: sleep 3");
  apply(m, [ev("agent.tool", { tool: "bash", callId: "c1", status: "completed", output: "" })]);
  expect(working(m)).toBe("thinking");
  apply(m, [ev("session.status", { from: "running", to: "waiting", event: "ask" })]);
  expect(working(m)).toBe("waiting for a person");
  apply(m, [ev("session.status", { from: "waiting", to: "completed", event: "succeed" })]);
  expect(working(m)).toBeNull();
});
