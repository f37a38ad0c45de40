import { randomUUID } from "node:crypto";
import {
  type AgentCard,
  ListTaskPushNotificationConfigsResponse,
  ListTasksResponse,
  type Message,
  StreamResponse,
  Task,
  TaskPushNotificationConfig,
  taskStateToJSON,
} from "@a2a-js/sdk";
import {
  ExtendedAgentCardNotConfiguredError,
  RequestMalformedError,
  TaskNotCancelableError,
  TaskNotFoundError,
  UnsupportedOperationError,
} from "@a2a-js/sdk/errors";
import type { A2ARequestHandler, ServerCallContext } from "@a2a-js/sdk/server";
import { Create } from "@orchestrator/sdk";
import type { Deps } from "../../api/deps.ts";
import { AppError } from "../../error.ts";
import type { Row } from "../../session/row.ts";
import * as Store from "../../session/store.ts";
import { submit } from "../../session/submit.ts";
import { follow } from "./follow.ts";
import * as Push from "./push.ts";
import { list } from "./list.ts";
import { artifacts, contextOf, settled, stateOf, status, task } from "./task.ts";
import { asked, reply } from "./turn.ts";

/** Who is calling: the API key's tenant, put in the call context by the route. */
export class TenantUser {
  readonly tenantId: string;
  constructor(tenantId: string) {
    this.tenantId = tenantId;
  }
  get isAuthenticated() {
    return true;
  }
  get userName() {
    return this.tenantId;
  }
}
const tenantOf = (ctx: ServerCallContext) => (ctx.user as TenantUser).tenantId;
const signalOf = (ctx: ServerCallContext) => ctx.state?.get("signal") as AbortSignal | undefined;

/**
 * The orchestrator as an A2A server: a task is a session of the caller's tenant. SendMessage creates one
 * (routed like any other), the stream follows its log, cancel cancels it. Options for the session ride in
 * the message's `metadata.orchestrator` (capabilities, agent, profile, project, workspace, priority, …).
 */
export function handler(deps: Deps, card: () => Promise<AgentCard>): A2ARequestHandler {
  const read = async (ctx: ServerCallContext, id: string): Promise<Row> => {
    if (!/^[0-9a-f-]{36}$/i.test(id)) throw new TaskNotFoundError(`task ${id} not found`);
    return Store.get(deps.db, tenantOf(ctx), id).catch((err) => {
      throw err instanceof AppError && err.code === "not_found"
        ? new TaskNotFoundError(`task ${id} not found`)
        : err;
    });
  };

  /**
   * A message: a new task, or, when it names one (`taskId`), the next turn of that task (turn.ts). Returns
   * the session and the log position its updates are to be followed from.
   */
  async function start(
    params: { message?: Message; configuration?: unknown },
    ctx: ServerCallContext,
  ): Promise<{ row: Row; continued: boolean }> {
    const m = params.message;
    if (!m) throw new RequestMalformedError("params.message is required");
    const prompt = m.parts
      .map((p, i) => {
        const c = p.content;
        if (c?.$case === "text") return c.value;
        if (c?.$case === "data") return JSON.stringify(c.value);
        throw new RequestMalformedError(`params.message.parts.${i}: only text and data parts are accepted`);
      })
      .join("\n");
    if (m.taskId) {
      const row = await read(ctx, m.taskId);
      if (m.contextId && m.contextId !== contextOf(row))
        throw new RequestMalformedError(
          `params.message.contextId: task ${row.id} belongs to context ${contextOf(row)}, not ${m.contextId}`,
        );
      if (!prompt.trim()) throw new RequestMalformedError("params.message.parts: the message says nothing");
      await reply(deps, tenantOf(ctx), row, prompt, "a2a");
      return { row, continued: true };
    }
    const opts = (m.metadata?.orchestrator as Record<string, unknown> | undefined) ?? {};
    const contextId = m.contextId || randomUUID();
    const parsed = Create.safeParse({
      title: prompt.trim().split("\n")[0]?.slice(0, 200) || "A2A task",
      prompt,
      ...opts,
      metadata: { ...((opts.metadata as object) ?? {}), a2a: { contextId, messageId: m.messageId } },
    });
    if (!parsed.success)
      throw new RequestMalformedError(
        parsed.error.issues
          .map((i) => `params.message.metadata.orchestrator.${i.path.join(".")}: ${i.message}`)
          .join("; "),
      );
    try {
      return { row: await submit(deps, tenantOf(ctx), parsed.data), continued: false };
    } catch (err) {
      if (err instanceof AppError && ["validation_failed", "not_found"].includes(err.code))
        throw new RequestMalformedError(
          err.message.replace(/\bbody\./g, "params.message.metadata.orchestrator."),
        );
      throw err;
    }
  }

  /** The task as A2A shows it, with the question it waits on as its status message. */
  const view = async (row: Row, opts: { history?: number; artifacts?: boolean } = {}) =>
    task(row, { ...opts, asked: await asked(deps.db, row) });

  /** Updates from a session's log: progress as status messages, artifacts, then the final status. */
  async function* updates(row: Row, ctx: ServerCallContext): AsyncGenerator<StreamResponse> {
    const base = { taskId: row.id, contextId: contextOf(row) };
    for await (const batch of follow(deps, row.tenantId, row.id, row.lastSeq, signalOf(ctx))) {
      for (const e of batch) {
        if (e.type === "agent.message")
          yield StreamResponse.fromJSON({
            statusUpdate: {
              ...base,
              status: {
                state: "TASK_STATE_WORKING",
                timestamp: e.at,
                message: {
                  messageId: `${row.id}:${e.seq}`,
                  role: "ROLE_AGENT",
                  parts: [{ text: e.data.text }],
                  ...base,
                },
              },
            },
          });
        else if (e.type === "agent.artifact")
          yield StreamResponse.fromJSON({
            artifactUpdate: {
              ...base,
              artifact: { artifactId: e.data.name, name: e.data.name, parts: [{ text: e.data.content }] },
              lastChunk: true,
            },
          });
        else if (e.type === "session.status") {
          const to = e.data.to;
          if (!settled(to)) {
            yield StreamResponse.fromJSON({
              statusUpdate: { ...base, status: { state: stateOf[to], timestamp: e.at } },
            });
            continue;
          }
          const now = await Store.get(deps.db, row.tenantId, row.id);
          for (const artifact of artifacts(now))
            yield StreamResponse.fromJSON({ artifactUpdate: { ...base, artifact, lastChunk: true } });
          const question = await asked(deps.db, now);
          yield StreamResponse.fromJSON({ statusUpdate: { ...base, status: status(now, question) } });
          // Ended, or interrupted: input-required ends the stream (A2A's interrupted state); the client's
          // answer, a message with this taskId, streams the rest. Left waiting is another turn's.
          if (settled(now.status)) return;
        }
      }
    }
  }

  return {
    getAgentCard: card,
    getAuthenticatedExtendedAgentCard: async () => {
      throw new ExtendedAgentCardNotConfiguredError("this agent has no extended card");
    },

    async sendMessage(params, ctx) {
      const begun = await start(params, ctx);
      let row = begun.row;
      const config = params.configuration;
      if (config?.taskPushNotificationConfig)
        await Push.save(deps, tenantOf(ctx), { ...config.taskPushNotificationConfig, taskId: row.id });
      // A next turn waits for what it set going, even from a settled status (an answer to input-required,
      // a follow-up to a completed task): its log position is from before the message.
      if (!config?.returnImmediately && (begun.continued || !settled(row.status))) {
        for await (const batch of follow(deps, row.tenantId, row.id, row.lastSeq, signalOf(ctx))) {
          const last = batch.filter((e) => e.type === "session.status").pop();
          if (last && settled(last.data.to)) break;
        }
      }
      row = await read(ctx, row.id);
      return Task.fromJSON(await view(row, { history: config?.historyLength }));
    },

    async *sendMessageStream(params, ctx) {
      const { row, continued } = await start(params, ctx);
      const config = params.configuration;
      if (config?.taskPushNotificationConfig)
        await Push.save(deps, tenantOf(ctx), { ...config.taskPushNotificationConfig, taskId: row.id });
      // A next turn's task is as the message left it; its updates follow from before the message, so a
      // change in between is told (perhaps twice), never missed.
      yield StreamResponse.fromJSON({ task: await view(continued ? await read(ctx, row.id) : row) });
      yield* updates(row, ctx);
    },

    async *resubscribe(params, ctx) {
      const row = await read(ctx, params.id);
      if (stateOf[row.status] !== "TASK_STATE_INPUT_REQUIRED" && settled(row.status))
        throw new UnsupportedOperationError(`task ${row.id} is already ${row.status}`);
      yield StreamResponse.fromJSON({ task: await view(row) });
      yield* updates(row, ctx);
    },

    async getTask(params, ctx) {
      return Task.fromJSON(await view(await read(ctx, params.id), { history: params.historyLength }));
    },

    async listTasks(params, ctx) {
      const page = await list(deps, tenantOf(ctx), {
        contextId: params.contextId || undefined,
        state: params.status ? taskStateToJSON(params.status) : undefined,
        pageSize: params.pageSize,
        pageToken: params.pageToken || undefined,
        after: params.statusTimestampAfter,
      });
      return ListTasksResponse.fromJSON({
        tasks: page.rows.map((r) =>
          task(r, { history: params.historyLength, artifacts: params.includeArtifacts ?? false }),
        ),
        nextPageToken: page.next ?? "",
        pageSize: page.pageSize,
        totalSize: page.total,
      });
    },

    async cancelTask(params, ctx) {
      const row = await read(ctx, params.id);
      try {
        const after = await Store.transition(
          deps.store,
          row.id,
          { type: "cancel", reason: "cancelled over A2A" },
          { tenantId: tenantOf(ctx), reason: "cancelled over A2A" },
        );
        return Task.fromJSON(task(after));
      } catch (err) {
        if (err instanceof AppError && err.code === "invalid_transition")
          throw new TaskNotCancelableError(`task ${row.id} is ${row.status} and cannot be cancelled`);
        throw err;
      }
    },

    async createTaskPushNotificationConfig(params, ctx) {
      await read(ctx, params.taskId);
      return TaskPushNotificationConfig.fromJSON(await Push.save(deps, tenantOf(ctx), params));
    },
    async getTaskPushNotificationConfig(params, ctx) {
      await read(ctx, params.taskId);
      const found = (await Push.list(deps, tenantOf(ctx), params.taskId)).find((c) => c.id === params.id);
      if (!found) throw new TaskNotFoundError(`push config ${params.id} of task ${params.taskId} not found`);
      return TaskPushNotificationConfig.fromJSON(found);
    },
    async listTaskPushNotificationConfigs(params, ctx) {
      await read(ctx, params.taskId);
      const configs = await Push.list(deps, tenantOf(ctx), params.taskId);
      return ListTaskPushNotificationConfigsResponse.fromJSON({ configs, nextPageToken: "" });
    },
    async deleteTaskPushNotificationConfig(params, ctx) {
      await read(ctx, params.taskId);
      await Push.remove(deps, tenantOf(ctx), params.taskId, params.id);
    },
  };
}
