import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { type Answer, Context, type Plan } from "@orchestrator/sdk";
import type { Deps } from "../api/deps.ts";
import { AppError } from "../error.ts";
import { type WorkScope, ownerOf, scopes } from "../work/access.ts";
import type { Work } from "../work/credential.ts";
import { type Rest, Refused } from "./rest.ts";
import { tool } from "./tool.ts";

/**
 * The tools of an agent the orchestrator runs, acting for its session: shared context of its session,
 * plan and project; its plan's tasks; asking a person; reporting progress. Context and tasks go through
 * the REST API with the session's credential; asking and progress go to the session's run on this node.
 */

const Scope = z
  .enum(scopes)
  .optional()
  .describe("whose document: your session's, your plan's (default when in a plan) or your project's");
const Name = z.string().min(1).max(200).default("main").describe("the document's name (default main)");

/** Answers still awaited by an `ask_person` that stopped waiting, by ticket. */
const awaited = new Map<string, { promise: Promise<Answer>; session: string }>();
const waitMs = 50_000; // under the 60 s an MCP client allows a call by default

export function register(mcp: McpServer, deps: Deps, work: Work, rest: Rest): void {
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

  mcp.registerTool(
    "context_get",
    {
      title: "Read shared context",
      description:
        "Read a shared context document of your work (or one value in it). Send the version you read with context_patch.",
      inputSchema: {
        scope: Scope,
        name: Name,
        path: z
          .string()
          .max(1024)
          .default("")
          .describe("a dot path (api.routes) or JSON pointer; empty: all"),
      },
      annotations: { readOnlyHint: true },
    },
    tool(async ({ scope, name, path }) => {
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
    }),
  );

  mcp.registerTool(
    "context_patch",
    {
      title: "Change shared context",
      description:
        "Change a shared context document with JSON Patch ops (add, remove, replace, move, copy, test) plus increment and append, which never conflict. Paths may be dot paths. Give `version` (from context_get) when you replace values: if someone changed the same paths since, you get their current values back instead of overwriting them.",
      inputSchema: {
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
    },
    tool(async ({ scope, name, ops, version, lastWriterWins }) => {
      const d = await doc(scope, name);
      const pointed = ops.map((o) => ({
        ...o,
        ...(typeof o.path === "string" ? { path: Context.pointer(o.path) } : {}),
        ...(typeof o.from === "string" ? { from: Context.pointer(o.from) } : {}),
      }));
      const after = await rest<Context.Document>(
        "PATCH",
        `/api/v1/contexts/${d.id}`,
        { ops: pointed, lastWriterWins, causationId: `mcp:${work.sessionId}` },
        version === undefined ? {} : { "if-match": `"${version}"` },
      );
      return { id: after.body.id, version: after.body.version };
    }),
  );

  const plan = async (): Promise<Plan.View> => {
    if (!work.planId) throw new AppError("validation_failed", "this session is not a task of a plan");
    return (await rest<Plan.View>("GET", `/api/v1/plans/${work.planId}`)).body;
  };
  const blockers = (p: Plan.View, key: string) => p.edges.filter((e) => e.to === key).map((e) => e.from);

  mcp.registerTool(
    "task_list",
    {
      title: "List the plan's tasks",
      description:
        "The tasks of the plan you work in: key, title, status, what blocks each, and which is yours.",
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    tool(async () => {
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
    }),
  );

  mcp.registerTool(
    "task_get",
    {
      title: "Get one task",
      description: "One task of your plan: its prompt, status, what blocks it, and its result once it ended.",
      inputSchema: { key: z.string().min(1).max(200).describe("the task's key (task_list)") },
      annotations: { readOnlyHint: true },
    },
    tool(async ({ key }) => {
      const p = await plan();
      const t = p.tasks.find((x) => x.key === key);
      if (!t) throw new AppError("not_found", `key: the plan has no task ${key}`, { key });
      const { forecast: _f, ...task } = t;
      return { ...task, blockedBy: blockers(p, key), mine: t.id === work.taskId };
    }),
  );

  mcp.registerTool(
    "task_create",
    {
      title: "Add a task to the plan",
      description:
        "Add a task to your plan for another agent (or a later attempt) to do. It starts once the tasks in blockedBy have finished, or at once if none.",
      inputSchema: {
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
        priority: z.enum(["critical", "high", "medium", "low"]).optional(),
        agent: z.string().min(1).max(100).optional().describe("pin a registered agent by name"),
      },
    },
    tool(async ({ key, ...t }) => {
      if (!work.planId) throw new AppError("validation_failed", "this session is not a task of a plan");
      const made = await rest<Plan.Task>("POST", `/api/v1/plans/${work.planId}/tasks`, {
        key: key ?? keyOf(t.title),
        ...t,
      });
      return { key: made.body.key, status: made.body.status };
    }),
  );

  mcp.registerTool(
    "task_update",
    {
      title: "Change a task that has not started",
      description:
        "Change a task of your plan that has not started: its title, prompt or priority, or add tasks it must wait for.",
      inputSchema: {
        key: z.string().min(1).max(64),
        title: z.string().min(1).max(200).optional(),
        prompt: z.string().min(1).max(100_000).optional(),
        priority: z.enum(["critical", "high", "medium", "low"]).optional(),
        addBlockedBy: z.array(z.string()).max(100).default([]),
      },
    },
    tool(async ({ key, ...change }) => {
      if (!work.planId) throw new AppError("validation_failed", "this session is not a task of a plan");
      const t = await rest<Plan.Task>(
        "PATCH",
        `/api/v1/plans/${work.planId}/tasks/${encodeURIComponent(key)}`,
        change,
      );
      return { key: t.body.key, status: t.body.status };
    }),
  );

  const local = () => {
    const run = deps.engine?.local(work.sessionId);
    if (!run)
      throw new AppError(
        "unavailable",
        "this session does not run on this node: report through your agent's protocol",
      );
    return run;
  };

  mcp.registerTool(
    "report_progress",
    {
      title: "Report progress",
      description:
        "Tell the people watching how far you are: done of total steps, and a line about what you do.",
      inputSchema: {
        done: z.number().min(0),
        total: z.number().min(0),
        message: z.string().max(2000).optional(),
      },
    },
    tool(async ({ done, total, message }) => {
      const run = local();
      await run.record({ type: "progress", done, total });
      if (message) await run.record({ type: "log", level: "info", text: message });
      return { recorded: true };
    }),
  );

  mcp.registerTool(
    "ask_person",
    {
      title: "Ask a person",
      description:
        "Ask the people running you a question and wait for the answer (the session shows as waiting). If no answer comes within 50 s you get a ticket: call ask_wait with it to keep waiting.",
      inputSchema: {
        question: z.string().min(1).max(4000),
        options: z
          .array(z.string().min(1).max(200))
          .max(20)
          .default([])
          .describe("answers to offer; free text is allowed too"),
      },
    },
    tool(async ({ question, options }) => {
      const promise = local().ask({
        kind: "question",
        request: {
          title: question.split("\n")[0]!.slice(0, 200),
          questions: [{ question, options: options.map((label) => ({ label })) }],
        },
        timeoutMs: 3_600_000,
        onTimeout: "reject",
      });
      return wait(promise, work.sessionId);
    }),
  );

  mcp.registerTool(
    "ask_wait",
    {
      title: "Keep waiting for an answer",
      description: "Wait again (up to 50 s) for the answer to a question ask_person gave you a ticket for.",
      inputSchema: { ticket: z.uuid() },
    },
    tool(async ({ ticket }) => {
      const a = awaited.get(ticket);
      if (!a || a.session !== work.sessionId) throw new AppError("not_found", `ticket ${ticket} not found`);
      awaited.delete(ticket);
      return wait(a.promise, work.sessionId);
    }),
  );
}

/** The answer, or a ticket if it takes longer than an MCP call may. */
async function wait(promise: Promise<Answer>, session: string): Promise<unknown> {
  promise.catch(() => {}); // a run stopped while nobody waits on the ticket
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((r) => (timer = setTimeout(() => r("late"), waitMs)));
  const got = await Promise.race([promise, late]).finally(() => clearTimeout(timer));
  if (got !== "late")
    return got.answers ? { answers: got.answers } : { rejected: true, message: got.message ?? null };
  const ticket = randomUUID();
  awaited.set(ticket, { promise, session });
  // A ticket nobody comes back for goes a while after its answer.
  void promise.catch(() => {}).finally(() => setTimeout(() => awaited.delete(ticket), 600_000).unref());
  return { pending: true, ticket, hint: "call ask_wait with this ticket to keep waiting" };
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
