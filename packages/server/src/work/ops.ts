import { randomUUID } from "node:crypto";
import { z } from "zod";
import { Context, type Plan } from "@orchestrator/sdk";
import { AppError } from "../error.ts";
import { type Rest, Refused } from "../mcp/rest.ts";
import { type WorkScope, ownerOf, scopes } from "./access.ts";
import type { Work } from "./credential.ts";

/**
 * What an agent does to its work's shared context and its plan's tasks, the same whichever way it comes:
 * MCP tools (mcp/agent.ts) and EAP's gRPC calls (agent/eap/grpc/work.ts). Each is REST calls made in
 * process as the agent, so ownership, validation and refusals are the REST API's. The input shapes are
 * zod raw shapes because MCP declares its tools' inputs that way.
 */

const Scope = z
  .enum(scopes)
  .optional()
  .describe("whose document: your session's, your plan's (default when in a plan) or your project's");
const Name = z.string().min(1).max(200).default("main").describe("the document's name (default main)");
const Priority = z.enum(["critical", "high", "medium", "low"]);

export const shapes = {
  contextGet: {
    scope: Scope,
    name: Name,
    path: z.string().max(1024).default("").describe("a dot path (api.routes) or JSON pointer; empty: all"),
  },
  contextPatch: {
    scope: Scope,
    name: Name,
    ops: z
      .array(z.record(z.string(), z.unknown()))
      .min(1)
      .max(1000)
      .describe("e.g. [{op:'add', path:'decisions.db', value:'postgres'}]"),
    version: z.number().int().min(0).optional().describe("the version you read (If-Match)"),
    lastWriterWins: z
      .boolean()
      .default(false)
      .describe("overwrite without a version (can lose others' updates)"),
  },
  taskGet: { key: z.string().min(1).max(200).describe("the task's key (task_list)") },
  taskCreate: {
    key: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/)
      .optional()
      .describe("a short id (default: from the title)"),
    title: z.string().min(1).max(200),
    prompt: z.string().min(1).max(100_000).describe("what to do, as you would tell a colleague"),
    blockedBy: z
      .array(z.string())
      .max(100)
      .default([])
      .describe("keys of tasks that must finish first (yours included)"),
    capabilities: z.array(z.string()).max(20).optional(),
    priority: Priority.optional(),
    agent: z.string().min(1).max(100).optional().describe("pin a registered agent by name"),
  },
  taskUpdate: {
    key: z.string().min(1).max(64),
    title: z.string().min(1).max(200).optional(),
    prompt: z.string().min(1).max(100_000).optional(),
    priority: Priority.optional(),
    addBlockedBy: z.array(z.string()).max(100).default([]),
  },
};

type In<S extends z.ZodRawShape> = z.output<z.ZodObject<S>>;
export type Ops = ReturnType<typeof ops>;

/** The operations of one agent's work; `via` names the channel in each change's causation id. */
export function ops(work: Work, rest: Rest, via: "mcp" | "eap") {
  const scopeOf = (s: WorkScope | undefined): WorkScope => s ?? (work.planId ? "plan" : "session");

  /** The work's document of a scope and name, made empty on first use. */
  const doc = async (s: WorkScope | undefined, name: string): Promise<Context.Document> => {
    const scope = scopeOf(s);
    const ownerId = ownerOf(work, scope);
    if (!ownerId)
      throw new AppError("validation_failed", `scope: this session has no ${scope}`, {
        issues: [{ path: "scope", message: `no ${scope}` }],
      });
    const q = new URLSearchParams({ scope, ownerId, name });
    const find = async () =>
      (await rest<{ items: Context.Document[] }>("GET", `/api/v1/contexts?${q}`)).body.items[0];
    const found = await find();
    if (found) return found;
    try {
      return (await rest<Context.Document>("POST", "/api/v1/contexts", { scope, ownerId, name })).body;
    } catch (err) {
      if (err instanceof Refused && err.status === 409) return (await find())!; // made meanwhile
      throw err;
    }
  };

  const plan = async (): Promise<Plan.View> => {
    if (!work.planId) throw new AppError("validation_failed", "this session is not a task of a plan");
    return (await rest<Plan.View>("GET", `/api/v1/plans/${work.planId}`)).body;
  };
  const planId = () => {
    if (!work.planId) throw new AppError("validation_failed", "this session is not a task of a plan");
    return work.planId;
  };
  const blockers = (p: Plan.View, key: string) => p.edges.filter((e) => e.to === key).map((e) => e.from);

  return {
    async contextGet({ scope, name, path }: In<typeof shapes.contextGet>) {
      const d = await doc(scope, name);
      // Read by id as well: that read is noted as the version this session saw.
      const read = (await rest<Context.Document>("GET", `/api/v1/contexts/${d.id}`)).body;
      const ptr = Context.pointer(path);
      return {
        id: read.id,
        scope: read.scope,
        name: read.name,
        version: read.version,
        path: ptr,
        value: Context.valueAt(read.data, ptr) ?? null,
      };
    },

    async contextPatch({ scope, name, ops, version, lastWriterWins }: In<typeof shapes.contextPatch>) {
      const d = await doc(scope, name);
      const pointed = ops.map((o) => ({
        ...o,
        ...(typeof o.path === "string" ? { path: Context.pointer(o.path) } : {}),
        ...(typeof o.from === "string" ? { from: Context.pointer(o.from) } : {}),
      }));
      const after = await rest<Context.Document>(
        "PATCH",
        `/api/v1/contexts/${d.id}`,
        { ops: pointed, lastWriterWins, causationId: `${via}:${work.sessionId}` },
        version === undefined ? {} : { "if-match": `"${version}"` },
      );
      return { id: after.body.id, version: after.body.version };
    },

    async taskList() {
      const p = await plan();
      return {
        plan: { id: p.id, title: p.title, status: p.status },
        tasks: p.tasks.map((t) => ({
          key: t.key,
          title: t.title,
          status: t.status,
          blockedBy: blockers(p, t.key),
          mine: t.id === work.taskId,
        })),
      };
    },

    async taskGet({ key }: In<typeof shapes.taskGet>) {
      const p = await plan();
      const t = p.tasks.find((x) => x.key === key);
      if (!t) throw new AppError("not_found", `key: the plan has no task ${key}`, { key });
      const { forecast: _f, ...task } = t;
      return { ...task, blockedBy: blockers(p, key), mine: t.id === work.taskId };
    },

    async taskCreate({ key, ...t }: In<typeof shapes.taskCreate>) {
      const made = await rest<Plan.Task>("POST", `/api/v1/plans/${planId()}/tasks`, {
        key: key ?? keyOf(t.title),
        ...t,
      });
      return { key: made.body.key, status: made.body.status };
    },

    async taskUpdate({ key, ...change }: In<typeof shapes.taskUpdate>) {
      const path = `/api/v1/plans/${planId()}/tasks/${encodeURIComponent(key)}`;
      const t = await rest<Plan.Task>("PATCH", path, change);
      return { key: t.body.key, status: t.body.status };
    },
  };
}

/** A task key from a title: `Write the docs` → `write-the-docs`, unique enough with a short suffix. */
const keyOf = (title: string) =>
  `${
    title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-|-$/g, "")
      .slice(0, 40) || "task"
  }-${randomUUID().slice(0, 4)}`;
