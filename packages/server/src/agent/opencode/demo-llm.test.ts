import { describe, expect, test } from "vitest";
import { decide } from "./demo-llm.ts";

const tools = [{ type: "function", function: { name: "write" } }];
const ask = (prompt: string, answered = 0) => ({
  tools,
  messages: [
    { role: "user", content: prompt },
    ...Array.from({ length: answered }, () => ({ role: "assistant", content: "" })),
  ],
});

describe("the demo model", () => {
  test("a task without a script gets one file named after its first line, so a plan's tasks never collide", () => {
    const a = decide(ask("Design the notes schema\nmore words"));
    const b = decide(ask("Build the notes API!"));
    expect(a).toMatchObject({
      tool: "write",
      args: { filePath: "ORCHESTRATOR_DEMO/design-the-notes-schema.md" },
    });
    expect(b).toMatchObject({
      tool: "write",
      args: { filePath: "ORCHESTRATOR_DEMO/build-the-notes-api.md" },
    });
    expect((a.args as { content: string }).content).toContain("not an AI");
    expect(decide(ask("Design the notes schema", 1)).text).toContain(
      "ORCHESTRATOR_DEMO/design-the-notes-schema.md",
    );
    expect(decide(ask("…")).args).toMatchObject({ filePath: "ORCHESTRATOR_DEMO/task.md" });
  });

  test("a script is followed step by step; a call without tools gets a title", () => {
    const p = 'Do it\nFAKE_SCRIPT: [{"tool":"read","args":{"filePath":"a"}},{"text":"done"}]';
    expect(decide(ask(p))).toEqual({ tool: "read", args: { filePath: "a" } });
    expect(decide(ask(p, 1))).toEqual({ text: "done" });
    expect(decide({ messages: [{ role: "user", content: p }] })).toEqual({ text: "Fake session title" });
    // A task and then a person's follow-up in one prompt: the follow-up's script is the one followed.
    const both = `${p}\n\nThen, a follow-up:\n\nNow this.\nFAKE_SCRIPT: [{"text":"followed"}]`;
    expect(decide(ask(both))).toEqual({ text: "followed" });
  });
});
