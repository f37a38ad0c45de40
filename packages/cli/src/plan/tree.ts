import type { Plan } from "@orchestrator/sdk";
import { clip } from "../output.ts";

/**
 * A plan's tasks as a tree of lines: pure, so the live view, `plan show` and `plan decompose` print the
 * same thing and tests read it without a terminal. One line per task in topological order, indented by
 * its depth (the longest chain of prerequisites above it), `*` on the critical path, `← a, b` naming the
 * prerequisites of a task that has any.
 */

export interface Node {
  key: string;
  title: string;
  status?: Plan.TaskStatus;
  sessionId?: string | null;
  startedAt?: string | null;
  endedAt?: string | null;
  /** Expected minutes (the forecast's, or PERT of the estimate). */
  expected?: number;
  critical?: boolean;
}

export interface Edge {
  from: string;
  to: string;
}

export interface Options {
  /** ANSI colours for the states (a terminal); plain text otherwise. */
  color?: boolean;
  /** For the time a running task has taken so far. */
  now?: number;
}

export interface Placed {
  key: string;
  depth: number;
  deps: string[];
}

/**
 * Topological order that keeps a task close to what it waits on: Kahn's algorithm, but a task that
 * becomes ready goes to the front of the queue (depth first), so a chain reads top to bottom and a
 * join follows the last of its prerequisites. Ties keep the plan's own order. Tasks on a cycle (the
 * server refuses those) are appended at the end so nothing is ever hidden.
 */
export function order(keys: readonly string[], edges: readonly Edge[]): Placed[] {
  const deps = new Map<string, string[]>(keys.map((k) => [k, []]));
  const next = new Map<string, string[]>(keys.map((k) => [k, []]));
  for (const e of edges) {
    if (!deps.has(e.to) || !next.has(e.from) || deps.get(e.to)!.includes(e.from)) continue;
    deps.get(e.to)!.push(e.from);
    next.get(e.from)!.push(e.to);
  }
  const pending = new Map(keys.map((k) => [k, deps.get(k)!.length]));
  const depth = new Map<string, number>();
  const queue = keys.filter((k) => pending.get(k) === 0);
  const out: Placed[] = [];
  while (queue.length) {
    const key = queue.shift()!;
    const d = Math.max(-1, ...deps.get(key)!.map((p) => depth.get(p) ?? 0)) + 1;
    depth.set(key, d);
    out.push({ key, depth: d, deps: deps.get(key)! });
    const ready = next.get(key)!.filter((k) => {
      pending.set(k, pending.get(k)! - 1);
      return pending.get(k) === 0;
    });
    const rank = (k: string) => keys.indexOf(k);
    queue.unshift(...ready.sort((a, b) => rank(a) - rank(b)));
  }
  for (const k of keys) if (!depth.has(k)) out.push({ key: k, depth: 0, deps: deps.get(k)! });
  return out;
}

const ansi = { green: 32, red: 31, yellow: 33, cyan: 36, dim: 2, bold: 1 } as const;
export const paint = (on: boolean, style: keyof typeof ansi, text: string) =>
  on ? `\x1b[${ansi[style]}m${text}\x1b[0m` : text;

export function styleOf(status: Plan.TaskStatus): keyof typeof ansi {
  switch (status) {
    case "succeeded":
      return "green";
    case "failed":
    case "upstream_failed":
    case "conflicted":
      return "red";
    case "running":
      return "yellow";
    case "ready":
      return "cyan";
    default:
      return "dim";
  }
}

/** A state word, coloured on a terminal. */
export const state = (status: string, color = false) =>
  paint(color, styleOf(status as Plan.TaskStatus), status);

/** "45s", "3m05s", "1h02m": a task's time, precise enough to compare with its estimate. */
export function took(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m`;
}

/** Minutes as "~40s", "~25m", "~1h30m": an estimate, so rounded and marked as one. */
export function minutes(m: number): string {
  if (m < 1) return `~${Math.round(m * 60)}s`;
  if (m < 60) return `~${Math.round(m)}m`;
  const r = Math.round(m);
  return `~${Math.floor(r / 60)}h${String(r % 60).padStart(2, "0")}m`;
}

/** The time a task has taken: start to end, or to now while it runs; "" before it starts. */
export function elapsed(n: Node, now: number): string {
  if (!n.startedAt) return "";
  const end = n.endedAt ? Date.parse(n.endedAt) : now;
  return took(end - Date.parse(n.startedAt));
}

/** The first 8 characters of a session id: enough to tell sessions apart on screen. */
export const short = (id: string | null | undefined) => (id ? id.slice(0, 8) : "");

export function tree(nodes: readonly Node[], edges: readonly Edge[], o: Options = {}): string[] {
  const now = o.now ?? Date.now();
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const live = nodes.some((n) => n.status);
  const rows = order(
    nodes.map((n) => n.key),
    edges,
  ).map(({ key, depth, deps }) => {
    const n = byKey.get(key)!;
    const cells = [n.critical ? "*" : " ", "  ".repeat(depth) + key];
    if (live) cells.push(n.status ?? "", short(n.sessionId), elapsed(n, now));
    cells.push(n.expected === undefined ? "" : minutes(n.expected), clip(n.title, 48));
    cells.push(deps.length ? `← ${deps.join(", ")}` : "");
    return { cells, status: n.status };
  });
  const header = [" ", "TASK", ...(live ? ["STATUS", "SESSION", "TIME"] : []), "EST", "TITLE", ""];
  const all = [header, ...rows.map((r) => r.cells)];
  const widths = header.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  const line = (cells: string[], status?: Plan.TaskStatus) =>
    cells
      .map((c, i) => {
        const padded = i === cells.length - 1 ? c : c.padEnd(widths[i]!);
        if (live && i === 2 && status) return state(status, o.color) + padded.slice(status.length);
        if (i === 0 && c === "*") return paint(o.color ?? false, "bold", padded);
        return padded;
      })
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map((r) => line(r.cells, r.status))];
}

/** A task's title without its plan's title in front (decompose titles tasks "<plan> - <part>"). */
export const titleIn = (title: string, plan: string) =>
  title.startsWith(`${plan} - `) && title.length > plan.length + 3 ? title.slice(plan.length + 3) : title;

/** A plan's tasks as tree nodes. */
export const nodes = (v: Plan.View): Node[] =>
  v.tasks.map((t) => ({
    key: t.key,
    title: titleIn(t.title, v.title),
    status: t.status,
    sessionId: t.sessionId,
    startedAt: t.startedAt,
    endedAt: t.endedAt,
    expected: t.forecast.expected,
    critical: t.forecast.critical,
  }));

/** A draft's tasks (from decompose or a file) as tree nodes: PERT expected minutes when estimated. */
export const draftNodes = (tasks: readonly Plan.TaskInput[], plan = ""): Node[] =>
  tasks.map((t) => ({
    key: t.key,
    title: titleIn(t.title, plan),
    expected: t.estimate
      ? (t.estimate.optimistic + 4 * t.estimate.likely + t.estimate.pessimistic) / 6
      : undefined,
  }));
