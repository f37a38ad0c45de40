import { randomUUID } from "node:crypto";
import type * as grpc from "@grpc/grpc-js";
import { z } from "zod";
import { Pb } from "@orchestrator/sdk";
import type { App, Deps } from "../../../api/deps.ts";
import { agentPrincipal } from "../../../auth/middleware.ts";
import { AppError, type Code, status } from "../../../error.ts";
import { Refused, as } from "../../../mcp/rest.ts";
import { type Ops, ops, shapes } from "../../../work/ops.ts";
import { first, parse } from "./call.ts";

type Msg = Record<string, unknown>;

/**
 * EAP's gRPC calls on shared context and the plan's tasks (proto/eap.proto): the agent's token and the
 * task it names stand for that task's work, as the assignment's credential does over REST, and each call
 * is the operation the MCP tools of agents run (work/ops.ts), through REST in process with those headers.
 */
export function handlers(
  deps: Deps,
  app: App,
): Record<string, (req: Msg, md: grpc.Metadata) => Promise<Msg>> {
  const on =
    <T>(fn: (o: Ops, req: Msg) => Promise<T>, out: (v: T) => Msg) =>
    async (req: Msg, md: grpc.Metadata) => {
      const auth = {
        "x-agent-id": first(md, "x-agent-id") ?? "",
        "x-agent-token": first(md, "x-agent-token") ?? "",
        "x-agent-task": String(req.task_id ?? ""),
      };
      // Checked here first so a bad token or a task not held answers before any work.
      const p = await agentPrincipal(deps, {
        id: auth["x-agent-id"],
        token: auth["x-agent-token"],
        task: auth["x-agent-task"],
      });
      try {
        return out(await fn(ops(p.work!, as(app, auth, randomUUID()), "eap"), req));
      } catch (err) {
        throw err instanceof Refused ? fromRefused(err) : err;
      }
    };
  const str = (v: unknown) => (typeof v === "string" && v !== "" ? v : undefined);
  const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : undefined);
  const input = <S extends z.ZodRawShape>(shape: S, what: string, v: Msg) =>
    parse(z.object(shape).strict(), what, v);

  return {
    ContextGet: on(
      (o, r) =>
        o.contextGet(
          input(shapes.contextGet, "context_get", {
            scope: str(r.scope),
            name: str(r.name),
            path: str(r.path),
          }),
        ),
      (v) => ({ ...v, value: Pb.toValue(v.value) }),
    ),
    ContextPatch: on(
      (o, r) =>
        o.contextPatch(
          input(shapes.contextPatch, "context_patch", {
            scope: str(r.scope),
            name: str(r.name),
            ops: ((r.ops as Msg[] | undefined) ?? []).map((s) => Pb.fromStruct(s)),
            version: typeof r.version === "number" ? r.version : undefined,
            lastWriterWins: r.last_writer_wins === true,
          }),
        ),
      (v) => v,
    ),
    TaskList: on(
      (o) => o.taskList(),
      (v) => ({
        plan: v.plan,
        tasks: v.tasks.map(({ blockedBy, ...t }) => ({ ...t, blocked_by: blockedBy })),
      }),
    ),
    TaskGet: on(
      (o, r) => o.taskGet(input(shapes.taskGet, "task_get", { key: str(r.key) })),
      (t) => ({
        key: t.key,
        title: t.title,
        status: t.status,
        blocked_by: t.blockedBy,
        mine: t.mine,
        prompt: t.prompt,
        detail: Pb.toStruct(JSON.parse(JSON.stringify(t)) as Msg),
      }),
    ),
    TaskCreate: on(
      (o, r) =>
        o.taskCreate(
          input(shapes.taskCreate, "task_create", {
            key: str(r.key),
            title: str(r.title),
            prompt: str(r.prompt),
            blockedBy: list(r.blocked_by) ?? [],
            capabilities: list(r.capabilities),
            priority: str(r.priority),
            agent: str(r.agent),
          }),
        ),
      (v) => v,
    ),
    TaskUpdate: on(
      (o, r) =>
        o.taskUpdate(
          input(shapes.taskUpdate, "task_update", {
            key: str(r.key),
            title: str(r.title),
            prompt: str(r.prompt),
            priority: str(r.priority),
            addBlockedBy: list(r.add_blocked_by) ?? [],
          }),
        ),
      (v) => v,
    ),
  };
}

/** A refusal of the in-process REST call, as the error it was: its code, message and details. */
function fromRefused(err: Refused): AppError {
  const e = (err.body as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
  const code = e?.code && e.code in status ? (e.code as Code) : "internal";
  return new AppError(code, e?.message ?? err.message, e?.details);
}
