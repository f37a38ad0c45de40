import { z } from "zod";

/**
 * Shared context: JSON documents that agents and people share, owned by a scope, changed by JSON Patch
 * with version preconditions, with their history, diffs and merges (docs/context.md).
 */

/** Whose a document is: a session's, a plan's, a project's, an agent's, the tenant's, or temporary. */
export const Scope = z
  .enum(["session", "plan", "project", "agent", "tenant", "temporary"])
  .meta({ id: "ContextScope" });
export type Scope = z.infer<typeof Scope>;

/** An RFC 6901 pointer: "" is the whole document, "/a/b~1c" is a → "b/c". */
const Pointer = z
  .string()
  .max(1024)
  .regex(/^(\/[\s\S]*)?$/, "a JSON pointer: empty, or starting with /"); // keys may hold newlines

/** RFC 6902 JSON Patch operations, plus `increment` and `append`, which never conflict with each other. */
export const Op = z
  .discriminatedUnion("op", [
    z.object({ op: z.literal("add"), path: Pointer, value: z.unknown() }).strict(),
    z.object({ op: z.literal("remove"), path: Pointer }).strict(),
    z.object({ op: z.literal("replace"), path: Pointer, value: z.unknown() }).strict(),
    z.object({ op: z.literal("move"), from: Pointer, path: Pointer }).strict(),
    z.object({ op: z.literal("copy"), from: Pointer, path: Pointer }).strict(),
    z.object({ op: z.literal("test"), path: Pointer, value: z.unknown() }).strict(),
    z
      .object({ op: z.literal("increment"), path: Pointer, value: z.number().finite() })
      .strict()
      .describe("add to the number at path (absent counts as 0)"),
    z
      .object({ op: z.literal("append"), path: Pointer, value: z.unknown() })
      .strict()
      .describe("push to the array at path (absent: a new array)"),
  ])
  .meta({ id: "ContextOp" });
export type Op = z.infer<typeof Op>;

export const Patch = z.array(Op).min(1).max(1000).meta({ id: "ContextPatch" });

/** Where a change touched a document: replaced (`set`), combined with (`merge`), or only read. */
export const Touch = z.object({ path: z.string(), kind: z.enum(["set", "merge", "read"]) });
export type Touch = z.infer<typeof Touch>;

/** Who made a change: the key, and the session and agent it acted for when it was an agent's. */
export const Actor = z
  .object({
    key: z.string().optional(),
    session: z.uuid().optional(),
    agent: z.string().optional(),
    plan: z.uuid().optional().describe("the orchestrator, for a plan: its tasks' results as they end"),
  })
  .meta({ id: "ContextActor" });
export type Actor = z.infer<typeof Actor>;

export const Document = z
  .object({
    id: z.uuid(),
    scope: Scope,
    ownerId: z.string().nullable().describe("the session, plan, project or agent it belongs to"),
    name: z.string(),
    data: z.unknown(),
    version: z.number().int().describe("changes so far; the ETag is its quoted value"),
    bytes: z.number().int(),
    expiresAt: z.iso.datetime().nullable(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: "ContextDocument" });
export type Document = z.infer<typeof Document>;

/** One entry of a document's history: what version it made, how, where, by whom. */
export const Change = z
  .object({
    version: z.number().int(),
    ops: z.array(Op),
    touched: z.array(Touch),
    actor: Actor,
    causationId: z.string().nullable(),
    at: z.iso.datetime(),
    values: z
      .array(z.object({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() }))
      .optional()
      .describe("with ?values=true: each touched path's value before and after the change (absent: none)"),
  })
  .meta({ id: "ContextChange" });
export type Change = z.infer<typeof Change>;

/** How a merge of one document into another settles what both have (docs/context.md). */
export const Strategy = z
  .enum(["last_write_wins", "deep_merge", "prefer_source", "prefer_target", "manual"])
  .meta({ id: "ContextStrategy" });
export type Strategy = z.infer<typeof Strategy>;

/** Where two versions or two documents differ, leaf by leaf. */
export const Difference = z
  .object({
    path: z.string().describe("a JSON pointer"),
    kind: z.enum(["added", "removed", "changed"]),
    before: z.unknown().optional(),
    after: z.unknown().optional(),
  })
  .meta({ id: "ContextDifference" });
export type Difference = z.infer<typeof Difference>;

/** A merge of a source document into a target: applied at once, or open until a person settles its conflicts. */
export const Merge = z
  .object({
    id: z.uuid(),
    sourceId: z.uuid(),
    targetId: z.uuid(),
    strategy: Strategy,
    status: z.enum(["applied", "open", "resolved", "abandoned"]),
    conflicts: z.array(z.object({ path: z.string(), target: z.unknown(), source: z.unknown() })),
    /** The versions merged: the source's, and the target's the merge was computed on. */
    sourceVersion: z.number().int(),
    targetVersion: z.number().int(),
    /** The target's version the merge wrote (null while open). */
    wrote: z.number().int().nullable(),
    createdBy: z.string(),
    createdAt: z.iso.datetime(),
    resolvedBy: z.string().nullable(),
    resolvedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "ContextMerge" });
export type Merge = z.infer<typeof Merge>;

export const Choice = z
  .discriminatedUnion("take", [
    z.object({ path: z.string(), take: z.literal("target") }).strict(),
    z.object({ path: z.string(), take: z.literal("source") }).strict(),
    z.object({ path: z.string(), take: z.literal("value"), value: z.unknown() }).strict(),
  ])
  .meta({ id: "ContextChoice" });
export type Choice = z.infer<typeof Choice>;

/** A document version a session read: what its result can be traced to. */
export const Read = z
  .object({
    contextId: z.uuid(),
    scope: Scope,
    name: z.string(),
    version: z.number().int(),
    at: z.iso.datetime(),
  })
  .meta({ id: "ContextRead" });
export type Read = z.infer<typeof Read>;

/** Limits a write is checked against (a 413 names the path). */
export const limits = { documentBytes: 1_048_576, valueBytes: 262_144 } as const;

/** RFC 6901: "" is the whole document, "/a/b~1c" is a → "b/c"; "~0" stands for "~". Null if not a pointer. */
export function segments(pointer: string): string[] | null {
  if (pointer === "") return [];
  if (!pointer.startsWith("/")) return null;
  return pointer
    .slice(1)
    .split("/")
    .map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

export const format = (segs: string[]): string =>
  segs.map((s) => `/${s.replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");

/** A pointer, or a dot path as people write them (`api.routes.0`), as a pointer (`/api/routes/0`). */
export const pointer = (path: string): string =>
  path === "" || path.startsWith("/") ? path : format(path.split("."));

/** The value at a pointer, or undefined. */
export function valueAt(doc: unknown, ptr: string): unknown {
  let v = doc;
  for (const s of segments(ptr) ?? []) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}
