import { ApiError, Plan } from "@orchestrator/sdk";
import { clip } from "../output.ts";
import { type Options, minutes, nodes, paint, short, took, tree } from "./tree.ts";

/** The lines around a plan's tree, and what changed between two looks at it. All pure. */

export const planEnded = Plan.planEnded;

const planStyle = {
  draft: "cyan",
  running: "yellow",
  succeeded: "green",
  failed: "red",
  partially_succeeded: "red",
  cancelled: "dim",
} as const;

/** `▶ Ship the API  3f2a…  running  2 of 5 tasks ended` */
export function head(v: Plan.View, color = false): string {
  const ended = v.tasks.filter((t) => !["blocked", "ready", "running"].includes(t.status)).length;
  const flags = [v.paused ? "paused" : "", v.halted ? "halted: fail-fast saw a failure" : ""].filter(Boolean);
  const status = paint(color, planStyle[v.status], v.status) + (flags.length ? ` (${flags.join(", ")})` : "");
  return `▶ ${v.title}  ${v.id}  ${status}  ${ended} of ${v.tasks.length} tasks ended`;
}

/** The tree of a plan, then its critical path, forecast and branch. */
export function show(v: Plan.View, o: Options = {}): string[] {
  return [head(v, o.color), ...tree(nodes(v), v.edges, o), ...footer(v)];
}

export function footer(v: Plan.View): string[] {
  const f = v.forecast;
  const lines = [
    `* critical path  ${f.criticalPath.join(" → ") || "(none)"}  (${minutes(f.makespan)})`,
    `forecast  p50 ${minutes(f.p50)} · p90 ${minutes(f.p90)}` +
      (v.startedAt ? `  (started ${new Date(v.startedAt).toTimeString().slice(0, 8)})` : ""),
  ];
  if (v.integrationBranch)
    lines.push(
      `branch    ${v.integrationBranch}${v.baseCommit ? ` (from ${v.baseCommit.slice(0, 7)})` : ""}`,
    );
  return lines;
}

export type TaskChange = Extract<Plan.PlanEvent, { type: "task.status" }>;

/**
 * `12:00:03  c  running  session 1a2b3c4d`: one task's change from the plan's log, for a log that is not a
 * terminal; `startedAt` (when its run began) gives an ended task's `after 2s`.
 */
export function changeLine(e: TaskChange, v: Plan.View, startedAt?: number): string {
  const c = e.data;
  const time = new Date(e.at).toTimeString().slice(0, 8);
  // Keys padded to the longest, so the states line up down the log.
  const width = Math.max(...v.tasks.map((x) => x.key.length), c.key.length);
  let line = `${time}  ${c.key.padEnd(width)}  ${c.to}`;
  if (c.to === "running" && c.sessionId) line += `  session ${short(c.sessionId)}`;
  if (c.to !== "running" && startedAt !== undefined && taskEnded.includes(c.to))
    line += `  after ${took(Date.parse(e.at) - startedAt)}`;
  const why = reason(c.reason);
  if (why) line += `: ${why}`;
  return line;
}

const taskEnded = Plan.taskEnded;

/** Why a task ended as it did, in a few words (the server's reason shapes: plan/run.ts, plan/tasks.ts). */
export function reason(r: unknown): string {
  if (!r || typeof r !== "object") return "";
  const o = r as {
    error?: { code?: string; message?: string } | null;
    launch?: { code?: string; message?: string };
    conflict?: string[];
    resolving?: { conflict?: string[]; branch?: string };
    by?: string;
    prerequisites?: unknown;
  };
  if (o.error?.message) return clip(`${o.error.code ?? "error"}: ${o.error.message}`, 200);
  if (o.launch?.message) return clip(`could not start: ${o.launch.message}`, 200);
  if (o.conflict) return `merge conflict in ${o.conflict.join(", ")}`;
  if (o.resolving?.conflict)
    return `resolving its merge conflict in ${o.resolving.conflict.join(", ")} (earlier work: ${o.resolving.branch ?? "?"})`;
  if (o.by === "fail_fast") return "not started: fail-fast after a failure";
  if (o.by === "rule") return "its prerequisites' outcome ruled it out";
  if (o.by) return `by ${o.by}`;
  return "";
}

/** What a plan ended as: counts, each task that did not succeed and why, the branch and how to see it. */
export function outcome(v: Plan.View): string[] {
  const counts = Object.entries(v.counts)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(", ");
  const lines = ["", `${v.status}  ${v.title}  ${v.id}`, `tasks     ${counts}`];
  if (v.startedAt && v.endedAt)
    lines.push(
      `took      ${took(Date.parse(v.endedAt) - Date.parse(v.startedAt))} (forecast p50 ${minutes(v.forecast.p50)}, p90 ${minutes(v.forecast.p90)})`,
    );
  for (const t of v.tasks.filter((x) => x.status !== "succeeded")) {
    const why = reason(t.reason);
    lines.push(`  ${t.key}  ${t.status}${why ? `: ${why}` : ""}`);
  }
  const files = [...new Set(v.tasks.flatMap((t) => (t.mergedCommit ? filesOf(t.result) : [])))].sort();
  if (v.integrationBranch) {
    lines.push(
      `branch    ${v.integrationBranch}${v.baseCommit ? ` (from ${v.baseCommit.slice(0, 7)})` : ""}`,
    );
    if (files.length) lines.push(`merged    ${files.length} files: ${clip(files.join(", "), 300)}`);
    if (v.baseCommit) {
      const repo = v.workspace?.repo ? `-C ${v.workspace.repo} ` : "";
      lines.push(`see it:   git ${repo}diff ${v.baseCommit.slice(0, 7)}..${v.integrationBranch} --stat`);
    }
  }
  if (v.status !== "succeeded") {
    const failed = v.tasks.find((t) => ["failed", "conflicted"].includes(t.status));
    if (failed) lines.push(`retry a task with: orchestrator plan retry ${v.id} ${failed.key}`);
  }
  return lines;
}

function filesOf(result: unknown): string[] {
  const files = (result as { files?: unknown } | null)?.files;
  return Array.isArray(files) ? files.filter((f): f is string => typeof f === "string") : [];
}

/**
 * A 422's issues one per line, their paths in the file's terms: `body.tasks.2.key` reads
 * `tasks[2] (key "x").key` when the task has a key. Null for any other error.
 */
export function issues(err: unknown, body?: { tasks?: unknown[]; edges?: unknown[] }): string[] | null {
  if (!(err instanceof ApiError) || err.code !== "validation_failed") return null;
  const list = (err.details as { issues?: { path?: string; message?: string }[] } | undefined)?.issues;
  if (!list?.length) return [`  ${err.message}`];
  return list.map((i) => `  ${where(i.path ?? "", body)}: ${i.message ?? ""}`);
}

function where(path: string, body?: { tasks?: unknown[]; edges?: unknown[] }): string {
  const parts = path.replace(/^body\.?/, "").split(".");
  const [list, index, ...rest] = parts;
  if ((list !== "tasks" && list !== "edges") || !/^\d+$/.test(index ?? ""))
    return parts.join(".") || "(plan)";
  const item = body?.[list]?.[Number(index)] as { key?: unknown; from?: unknown; to?: unknown } | undefined;
  const label =
    list === "tasks" && typeof item?.key === "string"
      ? ` (key "${item.key}")`
      : list === "edges" && item && typeof item.from === "string"
        ? ` (${String(item.from)} → ${String(item.to)})`
        : "";
  return [`${list}[${index}]${label}`, ...rest].join(".");
}
