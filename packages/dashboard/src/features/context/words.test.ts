import { ApiError } from "@orchestrator/sdk";
import { expect, test } from "vitest";
import { actorKind, cause, clip, creator, inline, mergeProblem, openDepth, parseValue } from "./words.ts";

test("a long string is cut at its first line break or at the limit, and says so", () => {
  expect(clip("short", 10)).toEqual({ text: "short", cut: false });
  expect(clip("0123456789abc", 10)).toEqual({ text: "0123456789…", cut: true });
  expect(clip("first line\nsecond", 100)).toEqual({ text: "first line…", cut: true });
  expect(clip("exactly10!", 10)).toEqual({ text: "exactly10!", cut: false });
});

test("a value absent from a document reads as absent, not as JSON's nothing", () => {
  expect(inline(undefined)).toBe("absent");
  expect(inline(null)).toBe("null");
  expect(inline({ a: [1, "x"] })).toBe('{"a":[1,"x"]}');
});

test("who changed a document: the plan over its session, a session over its key", () => {
  expect(actorKind({ plan: "p" })).toBe("plan");
  expect(actorKind({ session: "s", agent: "a" })).toBe("session");
  expect(actorKind({ key: "k" })).toBe("key");
  expect(actorKind({})).toBe("none");
  expect(creator("session:abc")).toEqual({ session: "abc" });
  expect(creator("plan:p1")).toEqual({ plan: "p1" });
  expect(creator("dev")).toEqual({});
  expect(creator("something else")).toBeNull();
});

test("the orchestrator's causation ids read as what caused the change", () => {
  expect(cause("merge:1234")).toEqual({ kind: "merge", source: "1234" });
  expect(cause("plan-step:7")).toEqual({ kind: "step", n: "7" });
  expect(cause("mcp:abc")).toEqual({ kind: "mcp" });
  expect(cause("req-9")).toEqual({ kind: "other", text: "req-9" });
  expect(cause(null)).toBeNull();
});

test("a stale merge says to merge again; a missing choice and a settled merge say what happened", () => {
  const stale = mergeProblem(new ApiError(412, "precondition_failed", "changed since"));
  expect(stale.again).toBe(true);
  expect(stale.text).toMatch(/changed since this merge was computed.*merge again/);
  const missing = mergeProblem(new ApiError(422, "validation_failed", "body.choices: no choice for /a"));
  expect(missing).toEqual({
    text: "Every conflict needs a choice: body.choices: no choice for /a.",
    again: false,
  });
  expect(mergeProblem(new ApiError(409, "invalid_transition", "merge m is resolved")).text).toMatch(
    /^Someone settled this merge meanwhile/,
  );
});

test("a person's own value must be JSON", () => {
  expect(parseValue('"valkey"')).toEqual({ ok: true, value: "valkey" });
  expect(parseValue("null")).toEqual({ ok: true, value: null });
  expect(parseValue("valkey")).toMatchObject({ ok: false, error: expect.stringMatching(/^not JSON/) });
  expect(parseValue("  ")).toMatchObject({ ok: false });
});

test("a small document opens whole, a big one its first two levels", () => {
  expect(openDepth({ tasks: { a: { status: "done", files: ["x"] } } })).toBe(4);
  const big = {
    tasks: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`t${i}`, { a: 1, b: 2, c: 3 }])),
  };
  expect(openDepth(big)).toBe(2);
  expect(openDepth(Array.from({ length: 80 }, () => 1))).toBe(4);
  expect(openDepth(Array.from({ length: 81 }, () => 1))).toBe(2);
});
