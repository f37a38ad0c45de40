import { expect, test } from "vitest";
import { Fatal, RetryAfter } from "../agent/agent.ts";
import { ending } from "./end.ts";

test("a run stopped because its lease moved ends with no transition of its own", () => {
  expect(ending("lost", new Error("aborted"), 1000)).toBeNull();
  expect(ending("control", new Error("aborted"), 1000)).toBeNull();
});

test("why a run was stopped decides before the error its agent threw", () => {
  const err = new Fatal("aborted", "x");
  expect(ending("timeout", err, 1000)).toEqual({ type: "timeout" });
  expect(ending("shutdown", err, 1000)).toEqual({ type: "release" });
  expect(ending("stalled", err, 1500)).toEqual({
    type: "fail",
    code: "stalled",
    message: "no agent event for 1500 ms; stopped the agent",
    retryable: true,
  });
});

test("an agent's error: Fatal fails for good, RetryAfter retries after its delay, anything else retries", () => {
  expect(ending(null, new Fatal("no such model", "model_missing"), 0)).toEqual({
    type: "fail",
    code: "model_missing",
    message: "no such model",
    retryable: false,
  });
  expect(ending(null, new RetryAfter("rate limited", 3000, "rate_limit"), 0)).toEqual({
    type: "fail",
    code: "rate_limit",
    message: "rate limited",
    retryable: true,
    retryAfterMs: 3000,
  });
  expect(ending(null, new Error("socket hang up"), 0)).toEqual({
    type: "fail",
    code: "agent_error",
    message: "socket hang up",
    retryable: true,
  });
  expect(ending(null, "a string", 0)).toMatchObject({ code: "agent_error", message: "a string" });
});
