import { ApiError, type Context } from "@orchestrator/sdk";

/** Pure helpers of the context panel: values in one line, clipping, and errors in words. */

/** A value on one line, as JSON (`undefined`, a path a document does not have, reads "absent"). */
export function inline(v: unknown): string {
  if (v === undefined) return "absent";
  return JSON.stringify(v) ?? String(v);
}

/** Text cut to `max` characters (at the first line break, if sooner), and whether it was cut. */
export function clip(s: string, max: number): { text: string; cut: boolean } {
  const nl = s.indexOf("\n");
  const end = nl >= 0 && nl < max ? nl : max;
  return s.length > end ? { text: `${s.slice(0, end)}…`, cut: true } : { text: s, cut: false };
}

/** A JSON pointer as people read it: "/" is the whole document. */
export const where = (path: string) => path || "/";

/**
 * How deep a tree opens at first: everything (up to 4 levels) when the document is small enough to read
 * at a glance, else its first two levels. Counts leaves up to the limit, no further.
 */
export function openDepth(data: unknown, limit = 80): number {
  let leaves = 0;
  const walk = (v: unknown): boolean => {
    if (v === null || typeof v !== "object") return ++leaves <= limit;
    return Object.values(v).every(walk);
  };
  return walk(data) ? 4 : 2;
}

/** What a change's causation id says, when it is one the orchestrator writes. */
export function cause(
  id: string | null,
):
  | { kind: "merge"; source: string }
  | { kind: "step"; n: string }
  | { kind: "mcp" }
  | { kind: "other"; text: string }
  | null {
  if (!id) return null;
  if (id.startsWith("mcp:")) return { kind: "mcp" };
  const m = /^merge:(.+)$/.exec(id);
  if (m) return { kind: "merge", source: m[1]! };
  const s = /^plan-step:(\d+)$/.exec(id);
  if (s) return { kind: "step", n: s[1]! };
  return { kind: "other", text: id };
}

/** Who made a change: the orchestrator for a plan, an agent's session, a key, or nobody (no keys). */
export function actorKind(a: Context.Actor): "plan" | "session" | "key" | "none" {
  return a.plan ? "plan" : a.session ? "session" : a.key ? "key" : "none";
}

/**
 * What a failed resolve or abandon means for the person looking at the merge. 412: someone wrote the
 * document after the merge was computed, so its choices may no longer fit; 422: a conflict has no
 * choice (or a choice names none); 409: someone else settled it meanwhile.
 */
export function mergeProblem(err: unknown): { text: string; again: boolean } {
  if (!(err instanceof ApiError)) return { text: String((err as Error)?.message ?? err), again: false };
  if (err.status === 412)
    return {
      text: "The document changed since this merge was computed, so these choices may not fit it any more: merge again to see the conflicts it has now.",
      again: true,
    };
  if (err.status === 422) return { text: `Every conflict needs a choice: ${err.message}.`, again: false };
  if (err.status === 409)
    return { text: `Someone settled this merge meanwhile: ${err.message}.`, again: false };
  if (err.status === 404) return { text: `Not found: ${err.message}.`, again: false };
  return { text: `${err.code} (${err.status}): ${err.message}`, again: false };
}

/** A person's pick for one conflict of a merge: a side, or their own value as JSON text. */
export type Pick = { take: "target" | "source" } | { take: "value"; text: string };

/** A person's own value for a conflict: JSON, or an error in words. */
export function parseValue(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  if (!text.trim()) return { ok: false, error: 'write a JSON value: 42, "text", true, null, [..] or {..}' };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, error: `not JSON: ${(err as Error).message}` };
  }
}

/** A document's `createdBy` ("key:…", "session:…", "plan:…", "dev") as the actor it names, if it names one. */
export function creator(by: string): Context.Actor | null {
  if (by === "dev") return {};
  const m = /^(key|session|plan):(.+)$/.exec(by);
  return m ? { [m[1]!]: m[2]! } : null;
}
