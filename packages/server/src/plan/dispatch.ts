import { type Priority, priorityRank } from "@orchestrator/sdk";

/**
 * Which ready tasks start now. Order: least slack first (a critical task delays the whole plan, one with
 * slack does not), then priority, then age (the earliest ready first, so no task waits forever behind newer
 * ones of the same standing). Caps: the plan's maxParallel, counting the tasks already running; and two
 * tasks whose write scopes overlap never run at once, as with a mutex per path: a task that would overlap
 * a running or an already picked task waits, and the next in order may go instead.
 */

export interface Candidate {
  task: number;
  /** From the plan's CPM schedule, in minutes. */
  slack: number;
  priority: Priority;
  /** Smaller is older: when it became ready, or its position in the plan. */
  age: number;
  scope?: readonly string[] | undefined;
}

export function pick(
  ready: readonly Candidate[],
  running: readonly { scope?: readonly string[] | undefined }[],
  maxParallel: number,
): number[] {
  const free = maxParallel - running.length;
  if (free <= 0) return [];
  const order = [...ready].sort(
    (a, b) =>
      a.slack - b.slack ||
      priorityRank[a.priority] - priorityRank[b.priority] ||
      a.age - b.age ||
      a.task - b.task,
  );
  const held = running.map((r) => r.scope);
  const out: number[] = [];
  for (const c of order) {
    if (out.length >= free) break;
    if (held.some((h) => overlaps(h, c.scope))) continue;
    out.push(c.task);
    held.push(c.scope);
  }
  return out;
}

/**
 * Whether two write scopes may touch the same file. A task without a scope overlaps nothing (it declared
 * none; the merge catches real conflicts). Literal paths compare by whole segments: `src/` and
 * `src/api/x.ts` overlap, `src/a` and `src/ab` do not. A glob is cut at its first wildcard and compared as a
 * plain string prefix (`src/**` overlaps all of `src/`, `src/foo*` overlaps `src/food.ts`): always on the
 * safe side, since serialising two tasks costs time while a missed overlap costs a conflict.
 */
export function overlaps(a: readonly string[] | undefined, b: readonly string[] | undefined): boolean {
  if (!a || !b || a.length === 0 || b.length === 0) return false;
  const pa = a.map(prefix);
  return b.some((y) => {
    const q = prefix(y);
    return pa.some((p) => touch(p, q));
  });
}

interface Prefix {
  path: string;
  glob: boolean;
}

const wild = /[*?[{]/;

function prefix(s: string): Prefix {
  const at = s.search(wild);
  if (at >= 0) return { path: s.slice(0, at).replace(/^\.\//, ""), glob: true };
  return { path: s.replace(/^\.\//, "").replace(/\/+$/, ""), glob: false };
}

function touch(a: Prefix, b: Prefix): boolean {
  if (a.glob || b.glob) return a.path.startsWith(b.path) || b.path.startsWith(a.path);
  if (a.path === "" || b.path === "" || a.path === "." || b.path === ".") return true; // the whole repository
  return a.path === b.path || b.path.startsWith(a.path + "/") || a.path.startsWith(b.path + "/");
}
