import { ApiError, type Plan } from "@orchestrator/sdk";
import { describe, expect, test } from "vitest";
import { minutes, order, took, tree } from "../src/plan/tree.ts";
import { changeLine, issues, outcome, show } from "../src/plan/view.ts";

const diamond = [
  { from: "a", to: "c" },
  { from: "b", to: "c" },
];

describe("order", () => {
  test("a diamond: both roots at depth 0, the join after the last of them at depth 1", () => {
    expect(order(["a", "b", "c"], diamond)).toEqual([
      { key: "a", depth: 0, deps: [] },
      { key: "b", depth: 0, deps: [] },
      { key: "c", depth: 1, deps: ["a", "b"] },
    ]);
  });

  test("a chain reads top to bottom before an unrelated task; depth is the longest chain above", () => {
    const edges = [
      { from: "a", to: "b" },
      { from: "b", to: "c" },
      { from: "a", to: "c" },
    ];
    expect(order(["a", "d", "c", "b"], edges).map((p) => `${p.key}${p.depth}`)).toEqual([
      "a0",
      "b1",
      "c2",
      "d0",
    ]);
  });

  test("tasks on a cycle are still listed, after the rest", () => {
    const edges = [
      { from: "b", to: "c" },
      { from: "c", to: "b" },
    ];
    expect(order(["b", "c", "a"], edges).map((p) => p.key)).toEqual(["a", "b", "c"]);
  });
});

describe("tree", () => {
  const now = Date.parse("2026-01-01T00:01:00Z");
  const nodes = [
    {
      key: "a",
      title: "Schema",
      status: "succeeded" as const,
      sessionId: "1a2b3c4d-0000-4000-8000-000000000000",
      startedAt: "2026-01-01T00:00:00Z",
      endedAt: "2026-01-01T00:00:45Z",
      expected: 30,
      critical: true,
    },
    { key: "b", title: "Fixtures", status: "ready" as const, expected: 0.5 },
    {
      key: "c",
      title: "API",
      status: "running" as const,
      sessionId: "5e6f7a8b-0000-4000-8000-000000000000",
      startedAt: "2026-01-01T00:00:50Z",
      expected: 90,
      critical: true,
    },
  ];

  test("one line per task: * on the critical path, indented key, state, session, time, estimate", () => {
    expect(tree(nodes, diamond, { now })).toEqual([
      "   TASK  STATUS     SESSION   TIME  EST     TITLE",
      "*  a     succeeded  1a2b3c4d  45s   ~30m    Schema",
      "   b     ready                      ~30s    Fixtures",
      "*    c   running    5e6f7a8b  10s   ~1h30m  API       ← a, b",
    ]);
  });

  test("colours only when asked, without moving the columns", () => {
    const plain = tree(nodes, diamond, { now });
    const coloured = tree(nodes, diamond, { now, color: true });
    expect(plain.join("\n")).not.toContain("\x1b[");
    expect(coloured[1]).toContain("\x1b[32msucceeded\x1b[0m");
    expect(coloured[3]).toContain("\x1b[33mrunning\x1b[0m");
    // eslint-disable-next-line no-control-regex -- the escape is what is stripped
    expect(coloured.map((l) => l.replace(/\x1b\[\d+m/g, ""))).toEqual(plain);
  });

  test("a draft without states has no state columns", () => {
    const draft = [{ key: "x", title: "Only", expected: 10 }];
    expect(tree(draft, [])).toEqual(["   TASK  EST   TITLE", "   x     ~10m  Only"]);
  });

  test("times and estimates", () => {
    expect([took(4_400), took(185_000), took(3_725_000)]).toEqual(["4s", "3m05s", "1h02m"]);
    expect([minutes(0.25), minutes(29.6), minutes(125)]).toEqual(["~15s", "~30m", "~2h05m"]);
  });
});

/** A plan view as the server sends it, with only what these functions read filled in. */
function view(tasks: Partial<Plan.Task>[], extra: Partial<Plan.View> = {}): Plan.View {
  return {
    id: "9f32d2bf-a3e5-4865-be60-63e6b14520c3",
    title: "Ship",
    status: "running",
    paused: false,
    halted: false,
    workspace: null,
    baseCommit: null,
    integrationBranch: null,
    startedAt: null,
    endedAt: null,
    counts: {},
    edges: [],
    forecast: { criticalPath: ["a"], makespan: 30, p50: 31, p90: 40 },
    tasks: tasks.map((t) => ({
      key: "a",
      title: "A",
      status: "blocked",
      sessionId: null,
      startedAt: null,
      endedAt: null,
      reason: null,
      result: null,
      mergedCommit: null,
      forecast: { expected: 30, critical: false },
      ...t,
    })),
    ...extra,
  } as unknown as Plan.View;
}

describe("view", () => {
  test("a change line says when, which task, its new state, its session or how long it ran, and why", () => {
    const v = view([{ key: "a" }, { key: "build" }]);
    const at = (t: string) => new Date(`2026-12-05T${t}Z`);
    const change = (t: string, data: Record<string, unknown>) =>
      ({ type: "task.status", at: at(t).toISOString(), data: { attempt: 1, ...data } }) as never;
    const hms = (t: string) => at(t).toTimeString().slice(0, 8);
    const sid = "5e6f7a8b-0000-4000-8000-000000000000";
    expect(
      changeLine(change("12:00:00", { key: "a", from: "ready", to: "running", sessionId: sid }), v),
    ).toBe(`${hms("12:00:00")}  a      running  session 5e6f7a8b`);
    const failed = change("12:00:02", {
      key: "a",
      from: "running",
      to: "failed",
      reason: { error: { code: "agent_error", message: "boom" } },
    });
    expect(changeLine(failed, v, at("12:00:00").getTime())).toBe(
      `${hms("12:00:02")}  a      failed  after 2s: agent_error: boom`,
    );
    const gone = change("12:00:03", {
      key: "build",
      from: "ready",
      to: "failed",
      reason: { launch: { code: "validation_failed", message: "no agent named x is registered" } },
    });
    expect(changeLine(gone, v)).toBe(
      `${hms("12:00:03")}  build  failed: could not start: no agent named x is registered`,
    );
  });

  test("show ends with the critical path, the forecast and the integration branch", () => {
    const v = view([{ key: "a", forecast: { expected: 30, critical: true } as never }], {
      integrationBranch: "orchestrator/plan/9f32",
      baseCommit: "abcdef0123",
    });
    expect(show(v).slice(-3)).toEqual([
      "* critical path  a  (~30m)",
      "forecast  p50 ~31m · p90 ~40m",
      "branch    orchestrator/plan/9f32 (from abcdef0)",
    ]);
  });

  test("outcome names what did not succeed and why, the files merged and how to see the diff", () => {
    const v = view(
      [
        { key: "a", status: "succeeded", mergedCommit: "c0ffee", result: { files: ["b.ts", "a.ts"] } },
        {
          key: "b",
          status: "failed",
          reason: { session: "failed", error: { code: "agent_fatal", message: "no" } },
        },
      ],
      {
        status: "partially_succeeded",
        counts: { succeeded: 1, failed: 1 } as Plan.View["counts"],
        workspace: { repo: "/repos/app" },
        integrationBranch: "orchestrator/plan/9f32",
        baseCommit: "abcdef0123",
      },
    );
    expect(outcome(v)).toEqual([
      "",
      `partially_succeeded  Ship  ${v.id}`,
      "tasks     1 succeeded, 1 failed",
      "  b  failed: agent_fatal: no",
      "branch    orchestrator/plan/9f32 (from abcdef0)",
      "merged    2 files: a.ts, b.ts",
      "see it:   git -C /repos/app diff abcdef0..orchestrator/plan/9f32 --stat",
      `retry a task with: orchestrator plan retry ${v.id} b`,
    ]);
  });

  test("a 422's issues read in the file's terms: which task or edge, then the field", () => {
    const err = new ApiError(422, "validation_failed", "…", {
      issues: [
        { path: "body.tasks.1.prompt", message: "Required" },
        { path: "body.edges.0.to", message: 'unknown task key "zz"' },
        { path: "body.edges", message: "the edges form a cycle: a → b → a" },
        { path: "body.title", message: "Too small" },
      ],
    });
    const body = { tasks: [{ key: "a" }, { key: "b" }], edges: [{ from: "a", to: "zz" }] };
    expect(issues(err, body)).toEqual([
      '  tasks[1] (key "b").prompt: Required',
      '  edges[0] (a → zz).to: unknown task key "zz"',
      "  edges: the edges form a cycle: a → b → a",
      "  title: Too small",
    ]);
    expect(issues(new ApiError(404, "not_found", "no"), body)).toBeNull();
  });
});
