import type { Context } from "@orchestrator/sdk";
import { equal, format } from "./patch.ts";

/**
 * Diff and merge of JSON documents, pure. A diff lists the leaves that differ (objects are walked,
 * arrays and scalars compared whole). A merge of a source into a target follows one of five strategies,
 * each distinct (docs/context.md):
 *
 * - `last_write_wins`: the document changed last is the result, whole;
 * - `deep_merge`: objects merged key by key, arrays joined (the source's items the target lacks are
 *   appended), a scalar both changed takes the source's;
 * - `prefer_source`: objects merged key by key, anything else both have takes the source's;
 * - `prefer_target`: objects merged key by key, anything both have keeps the target's;
 * - `manual`: objects merged key by key, and every place both have differently is a conflict for a
 *   person to decide; nothing is written until then.
 */

export type Strategy = Context.Strategy;

export interface Difference {
  path: string;
  kind: "added" | "removed" | "changed";
  before?: unknown;
  after?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

/** Where `b` differs from `a`, leaf by leaf, in key order. */
export function diff(a: unknown, b: unknown, at: string[] = []): Difference[] {
  if (equal(a, b)) return [];
  if (isObject(a) && isObject(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => {
      const path = [...at, k];
      if (!(k in b)) return [{ path: format(path), kind: "removed" as const, before: a[k] }];
      if (!(k in a)) return [{ path: format(path), kind: "added" as const, after: b[k] }];
      return diff(a[k], b[k], path);
    });
  }
  return [{ path: format(at), kind: "changed", before: a, after: b }];
}

/** The patch that turns `a` into `b` (what a merge writes: its history names each path it changed). */
export function patchOf(a: unknown, b: unknown): Context.Op[] {
  return diff(a, b).map((d) =>
    d.kind === "removed"
      ? { op: "remove", path: d.path }
      : d.kind === "added"
        ? { op: "add", path: d.path, value: d.after }
        : { op: "replace", path: d.path, value: d.after },
  );
}

export interface Conflict {
  path: string;
  target: unknown;
  source: unknown;
}

export type Merged = { data: unknown; conflicts: Conflict[] };

/**
 * Merge `source` into `target`. `sourceNewer` says which changed last (for last_write_wins). Under
 * `manual`, `data` is the merge of all that does not conflict, with the target's values where it does.
 */
export function merge(target: unknown, source: unknown, strategy: Strategy, sourceNewer = false): Merged {
  if (strategy === "last_write_wins") return { data: sourceNewer ? source : target, conflicts: [] };
  const conflicts: Conflict[] = [];
  const walk = (t: unknown, s: unknown, at: string[]): unknown => {
    if (equal(t, s)) return t;
    if (isObject(t) && isObject(s)) {
      const out: Record<string, unknown> = { ...t };
      for (const [k, v] of Object.entries(s)) out[k] = k in t ? walk(t[k], v, [...at, k]) : v;
      return out;
    }
    if (strategy === "deep_merge" && Array.isArray(t) && Array.isArray(s))
      return [...t, ...s.filter((x) => !t.some((y) => equal(x, y)))];
    if (strategy === "prefer_target") return t;
    if (strategy === "manual") {
      conflicts.push({ path: format(at), target: t, source: s });
      return t;
    }
    return s; // deep_merge (scalars, mixed types) and prefer_source
  };
  return { data: walk(target, source, []), conflicts };
}

/** A person's choice for each conflict: the target's value, the source's, or one of their own. */
export type Choice = { path: string } & (
  { take: "target" } | { take: "source" } | { take: "value"; value: unknown }
);

/** The merged document once every conflict has a choice: sets each chosen value into the merge. */
export function resolve(merged: unknown, conflicts: Conflict[], choices: Choice[]): unknown {
  let out = structuredClone(merged);
  for (const c of conflicts) {
    const choice = choices.find((x) => x.path === c.path)!;
    const value = choice.take === "target" ? c.target : choice.take === "source" ? c.source : choice.value;
    out = setAt(out, c.path, value);
  }
  return out;
}

function setAt(doc: unknown, pointer: string, value: unknown): unknown {
  if (pointer === "") return value;
  const segs = pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
  const root = doc as Record<string, unknown>;
  let node = root;
  for (const s of segs.slice(0, -1)) node = node[s] as Record<string, unknown>;
  node[segs.at(-1)!] = value;
  return root;
}
