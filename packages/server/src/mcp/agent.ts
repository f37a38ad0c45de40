import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { Answer } from "@orchestrator/sdk";
import type { Deps } from "../api/deps.ts";
import { AppError } from "../error.ts";
import { ops, shapes } from "../work/ops.ts";
import type { Work } from "../work/credential.ts";
import type { Rest } from "./rest.ts";
import { tool } from "./tool.ts";

/**
 * The tools of an agent the orchestrator runs, acting for its session: shared context of its session,
 * plan and project; its plan's tasks; asking a person; reporting progress. Context and tasks go through
 * the REST API with the session's credential (work/ops.ts, shared with EAP over gRPC); asking and
 * progress go to the session's run on this node.
 */

/** Answers still awaited by an `ask_person` that stopped waiting, by ticket. */
const awaited = new Map<string, { promise: Promise<Answer>; session: string }>();
const waitMs = 50_000; // under the 60 s an MCP client allows a call by default

export function register(mcp: McpServer, deps: Deps, work: Work, rest: Rest): void {
  const act = ops(work, rest, "mcp");

  mcp.registerTool(
    "context_get",
    {
      title: "Read shared context",
      description:
        "Read a shared context document of your work (or one value in it). Send the version you read with context_patch.",
      inputSchema: shapes.contextGet,
      annotations: { readOnlyHint: true },
    },
    tool(act.contextGet),
  );

  mcp.registerTool(
    "context_patch",
    {
      title: "Change shared context",
      description:
        "Change a shared context document with JSON Patch ops (add, remove, replace, move, copy, test) plus increment and append, which never conflict. Paths may be dot paths. Give `version` (from context_get) when you replace values: if someone changed the same paths since, you get their current values back instead of overwriting them.",
      inputSchema: shapes.contextPatch,
    },
    tool(act.contextPatch),
  );

  mcp.registerTool(
    "task_list",
    {
      title: "List the plan's tasks",
      description:
        "The tasks of the plan you work in: key, title, status, what blocks each, and which is yours.",
      inputSchema: {},
      annotations: { readOnlyHint: true },
    },
    tool(act.taskList),
  );

  mcp.registerTool(
    "task_get",
    {
      title: "Get one task",
      description: "One task of your plan: its prompt, status, what blocks it, and its result once it ended.",
      inputSchema: shapes.taskGet,
      annotations: { readOnlyHint: true },
    },
    tool(act.taskGet),
  );

  mcp.registerTool(
    "task_create",
    {
      title: "Add a task to the plan",
      description:
        "Add a task to your plan for another agent (or a later attempt) to do. It starts once the tasks in blockedBy have finished, or at once if none.",
      inputSchema: shapes.taskCreate,
    },
    tool(act.taskCreate),
  );

  mcp.registerTool(
    "task_update",
    {
      title: "Change a task that has not started",
      description:
        "Change a task of your plan that has not started: its title, prompt or priority, or add tasks it must wait for.",
      inputSchema: shapes.taskUpdate,
    },
    tool(act.taskUpdate),
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
      const run = local();
      // The profile's policy, as for OpenCode's own permission asks: answered by onTimeout after its time.
      const policy = (() => {
        try {
          return deps.profiles.get(run.profile);
        } catch {
          return { approvalTimeoutSec: 1800, onTimeout: "reject" as const }; // the profile's defaults
        }
      })();
      const promise = run.ask({
        kind: "question",
        request: {
          title: question.split("\n")[0]!.slice(0, 200),
          questions: [{ question, options: options.map((label) => ({ label })) }],
        },
        timeoutMs: policy.approvalTimeoutSec * 1000,
        onTimeout: policy.onTimeout,
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
