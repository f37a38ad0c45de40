import { createHmac } from "node:crypto";
import { expect, test } from "vitest";
import { type Entry, backoff, make, signature } from "./payload.ts";

const session = { sessionId: "s1", planId: null, title: "Fix login", status: "waiting" };
const entry = (e: Partial<Entry>): Entry =>
  ({ id: 7, at: "2026-12-06T03:00:00.000Z", ...session, ...e }) as Entry;

test("a session's end becomes completed, failed or cancelled; other status changes become nothing", () => {
  const ended = (to: string, extra = {}) =>
    make(
      entry({ type: "session.status", data: { from: "running", to, event: "x", attempt: 1, ...extra } }),
      "http://io",
    );
  expect(ended("completed")).toMatchObject({
    event: "session.completed",
    body: {
      type: "session.completed",
      text: 'Session "Fix login" completed · http://io/sessions/s1',
      data: {
        session: { id: "s1", title: "Fix login", url: "http://io/sessions/s1" },
        from: "running",
        to: "completed",
      },
    },
  });
  expect(ended("timeout")?.event).toBe("session.failed");
  expect(ended("failed", { error: { code: "boom", message: "it broke" } })?.body.text).toBe(
    'Session "Fix login" failed: it broke · http://io/sessions/s1',
  );
  expect(ended("stopped")?.event).toBe("session.cancelled");
  expect(ended("running")).toBeNull();
  expect(ended("queued")).toBeNull();
});

test("an approval asked is session.waiting with the command; a landing and a plan's status say what happened", () => {
  const asked = make(
    entry({
      type: "approval.requested",
      data: {
        approvalId: "a1",
        kind: "permission",
        request: { title: "bash", command: "rm -rf build" },
        expiresAt: "2026-12-06T04:00:00.000Z",
      },
    }),
    null,
  );
  expect(asked).toMatchObject({
    event: "session.waiting",
    body: {
      text: 'Session "Fix login" waits for a person: run `rm -rf build`',
      data: { command: "rm -rf build" },
    },
  });
  const refused = make(
    entry({
      type: "session.landing",
      data: {
        how: "merge",
        outcome: "refused",
        branch: "b",
        base: "main",
        reason: "merge_conflict",
        by: "dev",
      },
    }),
    null,
  );
  expect(refused?.body.text).toBe('Session "Fix login": could not be merged into main (merge_conflict)');
  const plan = make(
    {
      ...entry({ type: "plan.status", data: { from: "running", to: "succeeded" } }),
      sessionId: null,
      planId: "p1",
    },
    "http://io",
  );
  expect(plan).toMatchObject({
    event: "plan.status",
    body: {
      text: 'Plan "Fix login": running → succeeded · http://io/plans/p1',
      data: { plan: { id: "p1" } },
    },
  });
  const pushed = make(
    {
      ...entry({
        type: "plan.landing",
        data: {
          how: "pr",
          outcome: "opened",
          branch: "orchestrator/plan/p1",
          url: "http://gh/pr/4",
          by: "dev",
        },
      }),
      sessionId: null,
      planId: "p1",
    },
    "http://io",
  );
  expect(pushed).toMatchObject({
    event: "plan.landing",
    body: {
      text: 'Plan "Fix login": pull request opened: http://gh/pr/4 · http://io/plans/p1',
      data: { plan: { id: "p1" }, landing: { how: "pr", url: "http://gh/pr/4", base: null } },
    },
  });
  expect(make(entry({ type: "agent.message", data: { text: "hi" } }), null)).toBeNull();
});

test("the signature is HMAC-SHA256 over t.body; the backoff doubles up to its cap", () => {
  const mac = createHmac("sha256", "whsec_x").update('1700000000.{"a":1}').digest("hex");
  expect(signature("whsec_x", 1700000000, '{"a":1}')).toBe(`t=1700000000,v1=${mac}`);
  expect([1, 2, 3, 4, 5, 6].map((n) => backoff(n, 1000, 10_000))).toEqual([
    1000, 2000, 4000, 8000, 10_000, 10_000,
  ]);
});
