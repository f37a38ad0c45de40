import { randomUUID } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { AgentCard, TaskState } from "@a2a-js/sdk";
import {
  type AgentExecutor,
  AgentEvent,
  DefaultPushNotificationSender,
  DefaultRequestHandler,
  InMemoryPushNotificationStore,
  type ExecutionEventBus,
  InMemoryTaskStore,
} from "@a2a-js/sdk/server";
import { UserBuilder, agentCardHandler, jsonRpcHandler } from "@a2a-js/sdk/server/express";
import express from "express";

/**
 * An A2A agent built entirely with the official SDK (its express server): the scripted external agent of
 * the A2A tests. It echoes the text; "fail" fails the task, "hang" waits until it is cancelled, "ask" needs
 * input ("Which colour?"), which the next message to the task gives.
 */
export class SdkAgent {
  server: Server | null = null;
  url = "";
  cancelled: string[] = [];
  seen: { text: string; metadata: unknown; taskId: string | null; contextId: string }[] = [];
  private hanging = new Map<string, () => void>();

  /** The A2A-Version header of each JSON-RPC call ("none" when absent: A2A 0.3). */
  versions: string[] = [];

  async start(opts: {
    streaming: boolean;
    push?: boolean;
    /** "0.3": the card offers only a 0.3 interface, served by the SDK's 0.3 compatibility layer. */
    version?: "1.0" | "0.3";
    skills?: { id: string; tags: string[] }[];
  }): Promise<string> {
    const app = express();
    this.server = await new Promise<Server>((r) => {
      const s = app.listen(0, "127.0.0.1", () => r(s));
    });
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    const card = AgentCard.fromJSON({
      name: "sdk-echo",
      description: "echoes what it is told",
      version: "1.2.3",
      supportedInterfaces: [
        {
          url: `${this.url}/a2a/jsonrpc`,
          protocolBinding: "JSONRPC",
          protocolVersion: opts.version ?? "1.0",
        },
      ],
      capabilities: { streaming: opts.streaming, pushNotifications: opts.push ?? false },
      defaultInputModes: ["text/plain"],
      defaultOutputModes: ["text/plain"],
      skills: (opts.skills ?? [{ id: "echo", tags: ["testing"] }]).map((s) => ({
        ...s,
        name: s.id,
        description: s.id,
      })),
    });
    const pushes = new InMemoryPushNotificationStore();
    const handler = opts.push
      ? new DefaultRequestHandler(
          card,
          new InMemoryTaskStore(),
          this.executor(),
          undefined,
          pushes,
          new DefaultPushNotificationSender(pushes),
        )
      : new DefaultRequestHandler(card, new InMemoryTaskStore(), this.executor());
    const legacyCompat = { enabled: opts.version === "0.3" };
    app.use(
      "/.well-known/agent-card.json",
      agentCardHandler({ agentCardProvider: async () => AgentCard.toJSON(card) as AgentCard, legacyCompat }),
    );
    app.use("/a2a/jsonrpc", (req, _res, next) => {
      this.versions.push(String(req.headers["a2a-version"] ?? "none"));
      next();
    });
    app.use(
      "/a2a/jsonrpc",
      jsonRpcHandler({ requestHandler: handler, userBuilder: UserBuilder.noAuthentication, legacyCompat }),
    );
    return `${this.url}/.well-known/agent-card.json`;
  }

  stop(): void {
    for (const done of this.hanging.values()) done();
    this.server?.closeAllConnections();
    this.server?.close();
  }

  private executor(): AgentExecutor {
    const status = (
      bus: ExecutionEventBus,
      taskId: string,
      contextId: string,
      state: TaskState,
      text?: string,
    ) =>
      bus.publish(
        AgentEvent.statusUpdate({
          taskId,
          contextId,
          metadata: undefined,
          status: {
            state,
            timestamp: new Date().toISOString(),
            message: text
              ? {
                  messageId: randomUUID(),
                  role: 2,
                  parts: [
                    {
                      content: { $case: "text", value: text },
                      metadata: undefined,
                      filename: "",
                      mediaType: "",
                    },
                  ],
                  contextId,
                  taskId,
                  metadata: undefined,
                  extensions: [],
                  referenceTaskIds: [],
                }
              : undefined,
          },
        }),
      );
    return {
      execute: async (ctx, bus) => {
        const { taskId, contextId } = ctx;
        const text = ctx.userMessage.parts
          .map((p) => (p.content?.$case === "text" ? p.content.value : ""))
          .join("");
        this.seen.push({ text, metadata: ctx.userMessage.metadata, taskId: ctx.task?.id ?? null, contextId });
        // A next turn (the message names the task) answers the question "ask" left the task waiting on.
        const answering = ctx.task?.status?.state === TaskState.TASK_STATE_INPUT_REQUIRED;
        bus.publish(
          AgentEvent.task({
            id: taskId,
            contextId,
            artifacts: [],
            history: [ctx.userMessage],
            metadata: undefined,
            status: {
              state: answering ? TaskState.TASK_STATE_WORKING : TaskState.TASK_STATE_SUBMITTED,
              message: undefined,
              timestamp: new Date().toISOString(),
            },
          }),
        );
        if (answering)
          return status(bus, taskId, contextId, TaskState.TASK_STATE_COMPLETED, `colour: ${text}`);
        if (text === "ask")
          return status(bus, taskId, contextId, TaskState.TASK_STATE_INPUT_REQUIRED, "Which colour?");
        status(bus, taskId, contextId, TaskState.TASK_STATE_WORKING, "thinking");
        if (text === "hang") {
          await new Promise<void>((r) => this.hanging.set(taskId, r));
          return;
        }
        if (text === "slow") await new Promise((r) => setTimeout(r, 300));
        if (text === "fail") return status(bus, taskId, contextId, TaskState.TASK_STATE_FAILED, "could not");
        bus.publish(
          AgentEvent.artifactUpdate({
            taskId,
            contextId,
            append: false,
            lastChunk: true,
            metadata: undefined,
            artifact: {
              artifactId: randomUUID(),
              name: "echo.txt",
              description: "",
              metadata: undefined,
              extensions: [],
              parts: [
                {
                  content: { $case: "text", value: text },
                  metadata: undefined,
                  filename: "",
                  mediaType: "text/plain",
                },
              ],
            },
          }),
        );
        status(bus, taskId, contextId, TaskState.TASK_STATE_COMPLETED, `echo: ${text}`);
      },
      cancelTask: async (taskId, bus) => {
        this.cancelled.push(taskId);
        this.hanging.get(taskId)?.();
        status(bus, taskId, "", TaskState.TASK_STATE_CANCELED);
      },
    };
  }
}
