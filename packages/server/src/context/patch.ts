import { Context } from "@orchestrator/sdk";

/**
 * Shared context's writes, pure: RFC 6902 JSON Patch over RFC 6901
 * pointers, plus two merge operations (`increment`, `append`) that never conflict with each other, and
 * the decision a stale write needs: which paths it touches, and whether they overlap what changed since
 * the version it was written against. The store applies a patch only when that decision allows.
 */

export type Op = Context.Op;
export type Touch = Context.Touch;

/** Why a patch was not applied: which operation (by index), on which path. Nothing of it was applied. */
export interface Refusal {
  index: number;
  path: string;
  code: "test_failed" | "missing" | "invalid";
  message: string;
}

export type Applied = { ok: true; doc: unknown } | { ok: false; refusal: Refusal };

const { segments: parse, format } = Context;
export { parse, format };

/** Whether one path is the other or lies under it: writes there cannot both stand unexamined. */
export function overlaps(a: string, b: string): boolean {
  const x = parse(a) ?? [];
  const y = parse(b) ?? [];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * The paths of `theirs` (changes made since a write's base version) that a write touching `mine`
 * overlaps: then the write's outcome could depend on which came first. Two reads never conflict, nor do
 * two merges of the same path (increments add up; appends both land, in the order they commit). Otherwise
 * the two commute, so the stale write can be applied to the current document as is (the property
 * patch.test.ts checks, appends aside).
 */
export function conflicts(mine: Touch[], theirs: Touch[]): string[] {
  const out = new Set<string>();
  for (const m of mine)
    for (const t of theirs) {
      if (m.kind === "read" && t.kind === "read") continue;
      if (m.kind === "merge" && t.kind === "merge" && m.path === t.path) continue;
      if (overlaps(m.path, t.path)) out.add(t.path);
    }
  return [...out].sort();
}

/**
 * Apply `ops` to a copy of `doc`, all or nothing. Also returns where the patch touched: an insert into or
 * removal from an array shifts its elements, so it touches the whole array.
 */
export function apply(doc: unknown, ops: Op[]): Applied & { touched?: Touch[] } {
  let root = structuredClone(doc);
  const touched: Touch[] = [];
  for (const [index, op] of ops.entries()) {
    const fail = (code: Refusal["code"], message: string, path = op.path): Applied => ({
      ok: false,
      refusal: { index, path, code, message },
    });
    const at = parse(op.path);
    if (!at) return fail("invalid", `not a JSON pointer: ${JSON.stringify(op.path)}`);
    const from = "from" in op ? parse(op.from) : null;
    if ("from" in op && !from)
      return fail("invalid", `not a JSON pointer: ${JSON.stringify(op.from)}`, op.from);
    const touch = (segs: string[], kind: Touch["kind"] = "set") => touched.push({ path: format(segs), kind });
    switch (op.op) {
      case "test": {
        touch(at, "read");
        const got = get(root, at);
        if (!got.found) return fail("missing", `nothing at ${op.path}`);
        if (!equal(got.value, op.value))
          return fail(
            "test_failed",
            `${op.path} is ${JSON.stringify(got.value)}, not ${JSON.stringify(op.value)}`,
          );
        break;
      }
      case "add":
      case "replace": {
        if (op.op === "replace" && !get(root, at).found)
          return fail("missing", `nothing at ${op.path} to replace`);
        const r = put(root, at, structuredClone(op.value), op.op === "add");
        if (!r.ok) return fail(r.code, r.message);
        root = r.root;
        touch(r.shifts ? at.slice(0, -1) : at);
        break;
      }
      case "remove": {
        const r = take(root, at);
        if (!r.ok) return fail("missing", r.message);
        root = r.root;
        touch(r.shifts ? at.slice(0, -1) : at);
        break;
      }
      case "move":
      case "copy": {
        const got = get(root, from!);
        if (!got.found) return fail("missing", `nothing at ${op.from} to ${op.op}`, op.from);
        if (op.op === "move" && at.length > from!.length && overlaps(op.from, op.path))
          return fail("invalid", `cannot move ${op.from} into itself`);
        if (op.op === "copy") touch(from!, "read");
        if (op.op === "move") {
          const r = take(root, from!);
          if (!r.ok) return fail("missing", r.message, op.from);
          root = r.root;
          touch(r.shifts ? from!.slice(0, -1) : from!);
        }
        const r = put(root, at, structuredClone(got.value), true);
        if (!r.ok) return fail(r.code, r.message);
        root = r.root;
        touch(r.shifts ? at.slice(0, -1) : at);
        break;
      }
      case "increment": {
        const got = get(root, at);
        const now = got.found ? got.value : 0;
        if (typeof now !== "number") return fail("invalid", `${op.path} is not a number`);
        if (typeof op.value !== "number" || !Number.isFinite(op.value))
          return fail("invalid", "an increment needs a finite number");
        const r = put(root, at, now + op.value, got.found ? false : true);
        if (!r.ok) return fail(r.code, r.message);
        root = r.root;
        touch(at, "merge");
        break;
      }
      case "append": {
        const got = get(root, at);
        const list = got.found ? got.value : [];
        if (!Array.isArray(list)) return fail("invalid", `${op.path} is not an array`);
        const r = put(root, at, [...list, structuredClone(op.value)], !got.found);
        if (!r.ok) return fail(r.code, r.message);
        root = r.root;
        touch(at, "merge");
        break;
      }
      default:
        return fail("invalid", `unknown op ${JSON.stringify((op as { op: unknown }).op)}`);
    }
  }
  return { ok: true, doc: root, touched };
}

type Found = { found: true; value: unknown } | { found: false };
type Put =
  { ok: true; root: unknown; shifts: boolean } | { ok: false; code: "missing" | "invalid"; message: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** An array index as RFC 6901 allows it: digits, no leading zero. */
const index = (s: string): number | null => (/^(0|[1-9]\d*)$/.test(s) ? Number(s) : null);

function get(root: unknown, at: string[]): Found {
  let v = root;
  for (const s of at) {
    if (Array.isArray(v)) {
      const i = index(s);
      if (i === null || i >= v.length) return { found: false };
      v = v[i];
    } else if (isObject(v) && Object.hasOwn(v, s)) v = v[s];
    else return { found: false };
  }
  return { found: true, value: v };
}

/** Set (or, with `insert`, add) the value at `at` in `root`, which is a copy this module owns. */
function put(root: unknown, at: string[], value: unknown, insert: boolean): Put {
  if (!at.length) return { ok: true, root: value, shifts: false };
  const parent = get(root, at.slice(0, -1));
  const last = at.at(-1)!;
  const where = format(at.slice(0, -1)) || "the document";
  if (!parent.found) return { ok: false, code: "missing", message: `nothing at ${where} to add to` };
  const p = parent.value;
  if (Array.isArray(p)) {
    const i = last === "-" ? p.length : index(last);
    if (i === null || i > p.length || (!insert && i >= p.length))
      return { ok: false, code: "missing", message: `no index ${last} in ${where}` };
    if (insert) p.splice(i, 0, value);
    else p[i] = value;
    return { ok: true, root, shifts: insert && i < p.length - 1 };
  }
  if (isObject(p)) {
    p[last] = value;
    return { ok: true, root, shifts: false };
  }
  return { ok: false, code: "invalid", message: `${where} holds neither an object nor an array` };
}

function take(
  root: unknown,
  at: string[],
): { ok: true; root: unknown; shifts: boolean } | { ok: false; message: string } {
  const path = format(at);
  if (!at.length) return { ok: false, message: "the whole document cannot be removed" };
  if (!get(root, at).found) return { ok: false, message: `nothing at ${path} to remove` };
  const p = get(root, at.slice(0, -1)) as { found: true; value: unknown };
  const last = at.at(-1)!;
  if (Array.isArray(p.value)) {
    const i = index(last)!;
    p.value.splice(i, 1);
    return { ok: true, root, shifts: i < p.value.length };
  }
  delete (p.value as Record<string, unknown>)[last];
  return { ok: true, root, shifts: false };
}

/** Deep equality of JSON values (key order does not matter). */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && equal(a[k], b[k]));
  }
  return false;
}
