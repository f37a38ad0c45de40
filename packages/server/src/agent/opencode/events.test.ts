import { expect, test } from "vitest";
import { Mapper, tick } from "./events.ts";

const ev = (type: string, properties: Record<string, unknown>) => ({
  type,
  properties: { sessionID: "s1", ...properties },
});

test("tool states are reported once each, in order; other sessions are ignored", () => {
  const m = new Mapper("s1", 3);
  const part = (status: string) => ({
    part: { type: "tool", tool: "write", callID: "c1", state: { status } },
  });
  const out = [
    m.next(ev("message.part.updated", part("pending"))),
    m.next(ev("message.part.updated", part("running"))),
    m.next(ev("message.part.updated", part("running"))),
    m.next({ type: "message.part.updated", properties: { sessionID: "other", ...part("completed") } }),
    m.next(ev("message.part.updated", part("completed"))),
  ].flatMap((s) => s.events);
  expect(out.map((e) => (e.type === "tool" ? e.status : e.type))).toEqual([
    "pending",
    "running",
    "completed",
  ]);
});

test("a finished step reports its usage and asks for a checkpoint", () => {
  const m = new Mapper("s1", 3);
  const step = m.next(
    ev("message.part.updated", {
      part: {
        type: "step-finish",
        messageID: "m1",
        cost: 0.5,
        tokens: { input: 10, output: 4, reasoning: 2, cache: { read: 5, write: 1 } },
      },
    }),
  );
  expect(step.events).toEqual([{ type: "usage", input: 16, output: 4, reasoning: 2, cost: 0.5 }]);
  expect(step.stepDone).toEqual({ n: 1, messageId: "m1" });
  expect(m.lastMessage).toBe("m1");
});

test("an LLM retried past the limit is given up with a clear failure; a recovery is reported", () => {
  const m = new Mapper("s1", 2);
  const retry = (attempt: number) =>
    m.next(ev("session.status", { status: { type: "retry", attempt, message: "overloaded" } }));
  expect(retry(1).events[0]).toMatchObject({ type: "degraded" });
  expect(m.next(ev("session.status", { status: { type: "busy" } })).events).toEqual([{ type: "recovered" }]);
  expect(retry(2).abort).toBeUndefined();
  expect(retry(3).abort).toBe(true);
  expect(m.failure).toContain("gave up after 3 retries");
});

test("permission and question requests become approval requests; an abort we asked for is not a failure", () => {
  const m = new Mapper("s1", 3);
  const p = m.next(
    ev("permission.asked", { id: "per1", permission: "bash", patterns: ["ls -la"], always: ["ls *"] }),
  );
  expect(p.permission).toEqual({
    id: "per1",
    request: { title: "bash: ls -la", permission: "bash", patterns: ["ls -la"], always: ["ls *"] },
  });
  const q = m.next(
    ev("question.asked", {
      id: "q1",
      questions: [{ question: "Which?", options: [{ label: "A" }, { label: "B", description: "bee" }] }],
    }),
  );
  expect(q.question).toEqual({
    id: "q1",
    request: {
      title: "Which?",
      questions: [{ question: "Which?", options: [{ label: "A" }, { label: "B", description: "bee" }] }],
    },
  });
  m.next(ev("session.error", { error: { name: "MessageAbortedError" } }));
  expect(m.failure).toBeNull();
  m.next(ev("session.error", { error: { name: "APIError", data: { message: "bad key" } } }));
  expect(m.failure).toBe("APIError: bad key");
  expect(m.next(ev("session.idle", {})).idle).toBe(true);
});

test("text streams in pieces at most every 250 ms per part, and the final message carries the whole", () => {
  let now = 1000;
  const m = new Mapper("s1", 3, () => now);
  const delta = (d: string) => ev("message.part.delta", { partID: "p1", field: "text", delta: d });
  const out: unknown[] = [];
  const take = (e: ReturnType<typeof ev>) => out.push(...m.next(e).events.filter((x) => x.type !== "alive"));
  take(delta("ignored: the part is not known as text yet"));
  take(ev("message.part.updated", { part: { id: "p1", type: "text", text: "" } }));
  take(delta("Hel"));
  now += 100;
  take(delta("lo, "));
  now += 200;
  take(delta("world"));
  take(
    ev("message.part.updated", { part: { id: "p1", type: "text", text: "Hello, world", time: { end: 1 } } }),
  );
  take(delta("late piece of a finished part"));
  expect(out).toEqual([
    { type: "delta", part: "p1", text: "Hel" },
    { type: "delta", part: "p1", text: "lo, world" },
    { type: "message", text: "Hello, world", part: "p1" },
  ]);
});

// The payloads below are what OpenCode 1.18.33 sent for these calls (recorded from a real server).
const command = "ls -la src && echo TOTAL=$(ls src | wc -l)";
const asked = (call: string, permission: string, rest: Record<string, unknown>) =>
  ev("permission.asked", {
    id: `per_${call}`,
    permission,
    tool: { messageID: "m1", callID: call },
    ...rest,
  });
const toolPart = (call: string, tool: string, status: string, input: Record<string, unknown>) =>
  ev("message.part.updated", { part: { type: "tool", tool, callID: call, state: { status, input } } });

test("a shell permission carries the command verbatim and where it runs, not OpenCode's parsed pieces", () => {
  const m = new Mapper("s1", 3, Date.now, "/data/worktrees/w1");
  m.next(toolPart("c1", "bash", "pending", {}));
  m.next(toolPart("c1", "bash", "running", { command, description: "count files" }));
  const p = m.next(
    asked("c1", "bash", {
      patterns: ["ls -la src", "echo TOTAL=$(ls src | wc -l)", "ls src", "wc -l"],
      metadata: { command },
      always: ["ls *", "echo *", "wc *"],
    }),
  );
  expect(p.permission).toEqual({
    id: "per_c1",
    request: {
      title: `bash: ${command}`,
      permission: "bash",
      command,
      cwd: "/data/worktrees/w1",
      description: "count files",
      callId: "c1",
      patterns: ["ls -la src", "echo TOTAL=$(ls src | wc -l)", "ls src", "wc -l"],
      always: ["ls *", "echo *", "wc *"],
    },
  });
});

test("a shell permission asked before its call's input waits for it, so the working directory is known", () => {
  const m = new Mapper("s1", 3, Date.now, "/data/worktrees/w1");
  const pending = m.next(toolPart("c4", "bash", "pending", {}));
  expect(pending.events).toEqual([{ type: "tool", tool: "bash", callId: "c4", status: "pending" }]);
  const early = m.next(asked("c4", "bash", { patterns: ["pwd"], metadata: { command: "pwd" } }));
  expect(early.permission).toBeUndefined();
  expect(m.holding).toBe(true);
  const running = m.next(toolPart("c4", "bash", "running", { command: "pwd", workdir: "src" }));
  // The row shows its input before the approval that waits on it.
  expect(running.events).toEqual([
    {
      type: "tool",
      tool: "bash",
      callId: "c4",
      status: "running",
      input: { command: "pwd", workdir: "src" },
    },
  ]);
  expect(running.permission?.request).toMatchObject({ command: "pwd", cwd: "/data/worktrees/w1/src" });
  expect(m.holding).toBe(false);
});

test("a held shell permission is asked anyway after a second without its input, without guessing a directory", () => {
  let now = 0;
  const m = new Mapper("s1", 3, () => now, "/w");
  m.next(asked("c9", "bash", { patterns: ["make"], metadata: { command: "make" } }));
  now += 900;
  expect(m.next(tick).permission).toBeUndefined();
  now += 200;
  const p = m.next(tick).permission!;
  expect(p.request).toMatchObject({ title: "bash: make", command: "make" });
  expect(p.request.cwd).toBeUndefined();
  expect(m.holding).toBe(false);
});

test("an edit or write permission carries the git patch it would apply, with paths in the worktree", () => {
  const m = new Mapper("s1", 3, Date.now, "/w");
  const edit = m.next(
    asked("c2", "edit", {
      patterns: ["README.md"],
      always: ["*"],
      metadata: {
        filepath: "/w/README.md",
        diff:
          "Index: /w/README.md\n===================================================================\n" +
          "--- /w/README.md\n+++ /w/README.md\n@@ -1,3 +1,3 @@\n # app\n \n-hello\n+hello, reviewer\n",
      },
    }),
  );
  expect(edit.permission!.request).toMatchObject({
    title: "edit: README.md",
    file: "README.md",
    diff:
      "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n" +
      "@@ -1,3 +1,3 @@\n # app\n \n-hello\n+hello, reviewer\n",
  });
  const write = m.next(
    asked("c3", "edit", {
      patterns: ["new.txt"],
      metadata: {
        filepath: "/w/new.txt",
        diff: "Index: /w/new.txt\n===\n--- /w/new.txt\n+++ /w/new.txt\n@@ -0,0 +1,1 @@\n+brand new\n",
      },
    }),
  );
  expect(write.permission!.request.diff).toBe(
    "diff --git a/new.txt b/new.txt\nnew file mode 100644\n--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,1 @@\n+brand new\n",
  );
});
