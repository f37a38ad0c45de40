import { expect, test } from "vitest";
import type { Said, Talk } from "../agent.ts";
import { promptOf } from "./agent.ts";

const said = (text: string): Said => ({ id: text, author: "key:k", text, steer: false });
const talk = (waiting: Said[], last: Said | null = null): Talk => ({
  waiting,
  last,
  pending: async () => waiting,
  arrived: () => new Promise(() => {}),
  delivered: async () => {},
});
const prompt = "Write the parser.";

test("what a run says: the task, the messages waiting, or to continue what was last asked", () => {
  expect(promptOf({ prompt, talk: talk([]) }, false)).toBe(prompt);
  // A new round on the same conversation: only the person's words.
  expect(promptOf({ prompt, talk: talk([said("Add a test."), said("And docs.")]) }, true)).toBe(
    "Add a test.\n\nAnd docs.",
  );
  // No conversation to continue: the task first, then the message.
  expect(promptOf({ prompt, talk: talk([said("Add a test.")]) }, false)).toBe(
    `${prompt}\n\nThen, a follow-up from the person who asked:\n\nAdd a test.`,
  );
  // A crash in a round a message opened: continue with that request, named.
  const resumed = promptOf({ prompt, talk: talk([], said("Rename it to lex.")) }, true);
  expect(resumed).toMatch(/^The previous attempt at this task was interrupted/);
  expect(resumed).toContain("Continue with the person's last request");
  expect(resumed).toMatch(/Rename it to lex\.$/);
  expect(promptOf({ prompt, talk: talk([]) }, true)).toContain("Continue the original task");
});
