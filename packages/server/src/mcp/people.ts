import { z } from "zod";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Rest } from "./rest.ts";
import { tool } from "./tool.ts";

/**
 * The tools of a person's own MCP client (an editor, an agent on a laptop), with their API key: drive
 * sessions and plans, read diffs, answer approvals, read the attention queue and shared context. Each is a
 * REST call made with the caller's key, so a viewer key reads and cannot write, exactly as over REST.
 */

const Id = z.uuid();
const Body = z.record(z.string(), z.unknown());
const qs = (o: Record<string, string | number | undefined>) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(o)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
};
const read = { annotations: { readOnlyHint: true } } as const;

export function register(mcp: McpServer, rest: Rest): void {
  const get = async (path: string) => (await rest("GET", path)).body;
  const post = async (path: string, body: unknown) => (await rest("POST", path, body)).body;

  mcp.registerTool(
    "sessions_list",
    {
      description: "Sessions, newest first; filter by status",
      inputSchema: { status: z.string().optional(), limit: z.number().int().min(1).max(200).default(20) },
      ...read,
    },
    tool(({ status, limit }) => get(`/api/v1/sessions${qs({ status, limit })}`)),
  );
  mcp.registerTool(
    "session_get",
    { description: "One session: status, agent, result, error", inputSchema: { id: Id }, ...read },
    tool(({ id }) => get(`/api/v1/sessions/${id}`)),
  );
  mcp.registerTool(
    "session_create",
    {
      description:
        "Submit work: the body of POST /api/v1/sessions, e.g. {title, prompt, agent, workspace: {repo}} (see /openapi.json)",
      inputSchema: { session: Body },
    },
    tool(({ session }) => post("/api/v1/sessions", session)),
  );
  mcp.registerTool(
    "session_events",
    {
      description: "Follow a session: its log entries after a seq (send the last seq you saw)",
      inputSchema: {
        id: Id,
        after: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(100),
      },
      ...read,
    },
    tool(({ id, after, limit }) => get(`/api/v1/sessions/${id}/events${qs({ after, limit })}`)),
  );
  mcp.registerTool(
    "session_diff",
    { description: "What a session changed: its branch and unified diff", inputSchema: { id: Id }, ...read },
    tool(async ({ id }) => {
      const s = (await get(`/api/v1/sessions/${id}`)) as {
        status: string;
        result?: { branch?: string; diff?: unknown } | null;
      };
      return { status: s.status, branch: s.result?.branch ?? null, diff: s.result?.diff ?? null };
    }),
  );
  mcp.registerTool(
    "session_action",
    {
      description: "cancel, stop, pause, resume, retry or start a session",
      inputSchema: {
        id: Id,
        action: z.enum(["start", "cancel", "stop", "pause", "resume", "retry"]),
        reason: z.string().max(1000).optional(),
      },
    },
    tool(({ id, action, reason }) => post(`/api/v1/sessions/${id}/${action}`, reason ? { reason } : {})),
  );
  mcp.registerTool(
    "plans_list",
    {
      description: "Plans, newest first, with their tasks counted by state",
      inputSchema: { limit: z.number().int().min(1).max(200).default(20) },
      ...read,
    },
    tool(({ limit }) => get(`/api/v1/plans${qs({ limit })}`)),
  );
  mcp.registerTool(
    "plan_get",
    { description: "One plan: tasks, edges, critical path, forecast", inputSchema: { id: Id }, ...read },
    tool(({ id }) => get(`/api/v1/plans/${id}`)),
  );
  mcp.registerTool(
    "plan_create",
    {
      description:
        "Create (and with start: true, run) a plan: the body of POST /api/v1/plans, e.g. {title, tasks: [{key, title, prompt}], edges: [{from, to}], workspace: {repo}, start: true}",
      inputSchema: { plan: Body },
    },
    tool(({ plan }) => post("/api/v1/plans", plan)),
  );
  mcp.registerTool(
    "plan_events",
    {
      description: "Follow a plan: its log entries after a seq",
      inputSchema: {
        id: Id,
        after: z.number().int().min(0).default(0),
        limit: z.number().int().min(1).max(500).default(100),
      },
      ...read,
    },
    tool(({ id, after, limit }) => get(`/api/v1/plans/${id}/events${qs({ after, limit })}`)),
  );
  mcp.registerTool(
    "plan_diff",
    {
      description: "A plan's result: its integration branch against its base",
      inputSchema: { id: Id },
      ...read,
    },
    tool(({ id }) => get(`/api/v1/plans/${id}/diff`)),
  );
  mcp.registerTool(
    "approvals_list",
    {
      description: "Questions and permissions agents wait on",
      inputSchema: { status: z.enum(["pending", "answered", "expired", "withdrawn"]).default("pending") },
      ...read,
    },
    tool(({ status }) => get(`/api/v1/approvals${qs({ status })}`)),
  );
  mcp.registerTool(
    "approval_answer",
    {
      description:
        "Answer an approval: a permission with reply once/always/reject (+message), a question with answers",
      inputSchema: {
        id: Id,
        reply: z.enum(["once", "always", "reject"]).optional(),
        message: z.string().min(1).max(4000).optional(),
        answers: z.array(z.array(z.string())).optional(),
      },
    },
    tool(({ id, ...answer }) => post(`/api/v1/approvals/${id}`, answer)),
  );
  mcp.registerTool(
    "attention",
    {
      description: "What needs a person now: approvals, failures, conflicts, sessions to review",
      inputSchema: {},
      ...read,
    },
    tool(() => get("/api/v1/attention")),
  );
  mcp.registerTool(
    "contexts_list",
    {
      description: "Shared context documents, by scope and owner",
      inputSchema: {
        scope: z.string().optional(),
        ownerId: z.string().optional(),
        name: z.string().optional(),
      },
      ...read,
    },
    tool((f) => get(`/api/v1/contexts${qs(f)}`)),
  );
  mcp.registerTool(
    "context_history",
    {
      description: "A document's changes: patch, paths, who, when",
      inputSchema: { id: Id, after: z.number().int().min(0).default(0) },
      ...read,
    },
    tool(({ id, after }) => get(`/api/v1/contexts/${id}/history${qs({ after })}`)),
  );
  mcp.registerTool(
    "context_patch",
    {
      description:
        "Change a document by id with JSON Patch (+increment, append); give version (If-Match) to replace values",
      inputSchema: {
        id: Id,
        ops: z.array(z.record(z.string(), z.unknown())).min(1).max(1000),
        version: z.number().int().min(0).optional(),
        lastWriterWins: z.boolean().default(false),
      },
    },
    tool(
      async ({ id, ops, version, lastWriterWins }) =>
        (
          await rest(
            "PATCH",
            `/api/v1/contexts/${id}`,
            { ops, lastWriterWins },
            version === undefined ? {} : { "if-match": `"${version}"` },
          )
        ).body,
    ),
  );
  mcp.registerTool(
    "context_diff",
    {
      description: "What changed in a document between two versions (default: its last change)",
      inputSchema: {
        id: Id,
        from: z.number().int().min(0).optional(),
        to: z.number().int().min(0).optional(),
      },
      ...read,
    },
    tool(({ id, from, to }) => get(`/api/v1/contexts/${id}/diff${qs({ from, to })}`)),
  );
  mcp.registerTool(
    "context_merges",
    {
      description: "Merges of shared context; open ones wait for a person to choose for each conflict",
      inputSchema: { status: z.enum(["open", "applied", "resolved", "abandoned"]).default("open") },
      ...read,
    },
    tool(({ status }) => get(`/api/v1/context-merges${qs({ status })}`)),
  );
  mcp.registerTool(
    "context_merge_resolve",
    {
      description:
        "Settle an open merge: for each conflicting path take 'target', 'source', or 'value' with a value of your own",
      inputSchema: {
        id: Id,
        choices: z
          .array(
            z.object({
              path: z.string(),
              take: z.enum(["target", "source", "value"]),
              value: z.unknown().optional(),
            }),
          )
          .min(1),
      },
    },
    tool(({ id, choices }) => post(`/api/v1/context-merges/${id}/resolve`, { choices })),
  );
}
