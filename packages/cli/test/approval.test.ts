import type { Approval } from "@orchestrator/sdk";
import { describe, expect, test } from "vitest";
import * as Ask from "../src/approval.ts";
import { said } from "../src/talk.ts";

// The decisions behind the inline prompt and `approve`, without a terminal.
const colour: Ask.Question = {
  question: "Which colour?",
  header: "Theme",
  options: [{ label: "Red", description: "warm" }, { label: "Blue" }],
};
const approval = (kind: Approval["kind"], questions?: Ask.Question[]): Approval => ({
  id: "a1",
  sessionId: "s1",
  kind,
  status: "pending",
  request: { title: kind === "permission" ? "bash: echo hi > a.txt" : "Which colour?", questions },
  answer: null,
  answeredBy: null,
  createdAt: "2025-01-01T00:00:00.000Z",
  expiresAt: "2025-01-01T00:30:00.000Z",
  answeredAt: null,
});

describe("the permission prompt", () => {
  test("shows the three choices", () => {
    expect(Ask.permissionPrompt()).toBe("  > [o]nce, [a]lways, [r]eject: ");
  });

  test("shows a command verbatim, every line, and where it runs; an edit's patch; what always allows", () => {
    const command = "ls -la src && echo TOTAL=$(ls src | wc -l)\nprintf 'a  b'";
    expect(
      Ask.details({
        title: "bash: ls -la src && echo TOTAL=$(ls src | wc -l) …",
        command,
        cwd: "/data/worktrees/w1",
        description: "count files",
        always: ["ls *", "echo *"],
      }),
    ).toEqual([
      "    $ ls -la src && echo TOTAL=$(ls src | wc -l)",
      "      printf 'a  b'",
      "    in /data/worktrees/w1",
      "    the agent says: count files",
      '    "always" also allows from now on: ls *  echo *',
    ]);
    expect(
      Ask.details({
        title: "edit: a.md",
        file: "a.md",
        diff: "--- a/a.md\n+++ b/a.md\n@@ -1 +1 @@\n-x\n+y\n",
      }),
    ).toEqual(["    --- a/a.md", "    +++ b/a.md", "    @@ -1 +1 @@", "    -x", "    +y"]);
    expect(Ask.details({ title: "bash: make", command: "make" })).toEqual([
      "    $ make",
      "    in (a directory the agent did not report)",
    ]);
  });

  test("reads a letter or word; after r the rest is the message; anything else asks again", () => {
    expect(Ask.permission("o")).toEqual({ reply: "once" });
    expect(Ask.permission(" Once ")).toEqual({ reply: "once" });
    expect(Ask.permission("y")).toEqual({ reply: "once" });
    expect(Ask.permission("a")).toEqual({ reply: "always" });
    expect(Ask.permission("r")).toEqual({ reply: "reject" });
    expect(Ask.permission("r not on main, use a branch ")).toEqual({
      reply: "reject",
      message: "not on main, use a branch",
    });
    expect(Ask.permission("")).toBeNull();
    expect(Ask.permission("maybe")).toBeNull();
    expect(Ask.permission("o and more")).toBeNull();
  });
});

describe("questions", () => {
  test("list their options numbered", () => {
    expect(Ask.questionLines(colour)).toEqual([
      "  ? [Theme] Which colour?",
      "      1. Red — warm",
      "      2. Blue",
    ]);
  });

  test("take a number, a label in any case, or the person's own words; '-' rejects", () => {
    expect(Ask.reply(colour, "2")).toEqual(["Blue"]);
    expect(Ask.reply(colour, "red")).toEqual(["Red"]);
    expect(Ask.reply(colour, "3")).toEqual(["3"]);
    expect(Ask.reply(colour, "green, please")).toEqual(["green, please"]);
    expect(Ask.reply({ ...colour, multiple: true }, "1, blue")).toEqual(["Red", "Blue"]);
    expect(Ask.reply(colour, "-")).toBe("reject");
    expect(Ask.reply(colour, "  ")).toBeNull();
  });
});

describe("approve's flags", () => {
  test("a permission is allowed once by default, always, or rejected with a message", () => {
    const p = approval("permission");
    expect(Ask.fromFlags(p, {})).toEqual({ reply: "once" });
    expect(Ask.fromFlags(p, { always: true })).toEqual({ reply: "always" });
    expect(Ask.fromFlags(p, { reject: true, message: "no" })).toEqual({ reply: "reject", message: "no" });
    expect(() => Ask.fromFlags(p, { message: "no" })).toThrow("--message goes with --reject");
    expect(() => Ask.fromFlags(p, { answer: ["Red"] })).toThrow("--answer is for questions");
  });

  test("a question takes its choices, one --answer per question when it asks several", () => {
    const one = approval("question", [colour]);
    expect(Ask.fromFlags(one, { answer: ["2"] })).toEqual({ answers: [["Blue"]] });
    expect(Ask.fromFlags(one, { answer: ["1", "blue"] })).toEqual({ answers: [["Red", "Blue"]] });
    expect(Ask.fromFlags(one, { reject: true })).toEqual({ reply: "reject" });
    expect(() => Ask.fromFlags(one, {})).toThrow("is a question (Which colour?): give --answer");
    const two = approval("question", [colour, { question: "Why?", options: [] }]);
    expect(Ask.fromFlags(two, { answer: ["red", "because"] })).toEqual({ answers: [["Red"], ["because"]] });
    expect(() => Ask.fromFlags(two, { answer: ["red"] })).toThrow("give --answer once per question");
  });
});

describe("answer's words", () => {
  test("a permission reads as the prompt's line: once, always, or reject with why", () => {
    const p = approval("permission");
    expect(Ask.fromWords(p, ["once"])).toEqual({ reply: "once" });
    expect(Ask.fromWords(p, ["a"])).toEqual({ reply: "always" });
    expect(Ask.fromWords(p, ["reject", "not", "on", "main"])).toEqual({
      reply: "reject",
      message: "not on main",
    });
    expect(() => Ask.fromWords(p, ["maybe"])).toThrow("answer once, always, or reject [why]");
  });

  test("a question takes a label, a number or the person's own words; several questions one each", () => {
    const one = approval("question", [colour]);
    expect(Ask.fromWords(one, ["2"])).toEqual({ answers: [["Blue"]] });
    expect(Ask.fromWords(one, ["dark", "green"])).toEqual({ answers: [["dark green"]] });
    expect(Ask.fromWords(one, ["-"])).toEqual({ reply: "reject" });
    const two = approval("question", [colour, { question: "Why?", options: [] }]);
    expect(Ask.fromWords(two, ["red", "it is warm"])).toEqual({ answers: [["Red"], ["it is warm"]] });
    expect(() => Ask.fromWords(two, ["red"])).toThrow("give one answer each, in order");
  });
});

test("a line typed while run streams: a message, ! to steer, blank lines are nothing", () => {
  expect(said("  use the helper ")).toEqual({ text: "use the helper", steer: false });
  expect(said("!stop, use the helper")).toEqual({ text: "stop, use the helper", steer: true });
  expect(said("   ")).toBeNull();
  expect(said("!")).toBeNull();
});

test("how an approval ended, as the live view shows it", () => {
  expect(Ask.outcome("approval.answered", { reply: "once" })).toBe("  ✓ allowed once");
  expect(Ask.outcome("approval.answered", { reply: "reject", message: "no" })).toBe("  ✗ rejected: no");
  expect(Ask.outcome("approval.answered", { answers: [["Red", "Blue"], ["x"]] })).toBe(
    "  ✓ answered: Red, Blue; x",
  );
  expect(Ask.outcome("approval.expired", { reply: "reject" })).toBe(
    "  ! no answer in time: reject by policy",
  );
  expect(Ask.hint("a1", "permission")).toBe(
    "answer with: orchestrator approve a1 [--always | --reject [--message why]]",
  );
});
