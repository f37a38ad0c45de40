import { AgentCard, SendMessageConfiguration, SendMessageRequest, type Task, TaskState } from "@a2a-js/sdk";
import {
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
} from "@a2a-js/sdk/client";
import { randomBytes } from "node:crypto";
import type { Config } from "../../config.ts";
import type { Db } from "../../db/db.ts";
import * as Guard from "../../net/guard.ts";
import { type Agent, type AgentEvent, Fatal, type RunInput } from "../agent.ts";
import { endpointOf } from "./register.ts";

type Part = { content?: { $case: string; value: unknown } };
const textOf = (parts: Part[] = []) =>
  parts
    .map((p) =>
      p.content?.$case === "text" ? String(p.content.value) : JSON.stringify(p.content?.value ?? ""),
    )
    .join("");

/**
 * Runs sessions on A2A agents with the official client: SendStreamingMessage when the card streams, else a
 * non-blocking SendMessage and GetTask until the task ends. When the card offers push notifications, the
 * send carries a push config pointing back at us, and each notification wakes the GetTask at once (polling
 * stays as the backstop; a notification is only a hint, the task as GetTask reads it is the truth). Status messages become message events, artifacts artifact
 * events; the final text and artifacts are the result. Every call goes through the SSRF guard.
 */
export function a2a(config: Config, db: Db, base: () => string | null): Agent {
  const allow = Guard.allowlist(config.agents.allowHosts);
  const fetchImpl: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    await Guard.check(url, allow, "endpoint");
    return fetch(input, { ...init, redirect: "error" });
  };
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl, legacyCompat: { enabled: true } })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl, legacyCompat: { enabled: true } }),
    }),
  );

  // Notifications arrive at any node (POST /api/v1/a2a/push/:session); NOTIFY brings them to the run.
  const woken = new Map<string, () => void>();
  let listening: Promise<unknown> | null = null;
  // "" names no run (payloads dropped from an oversized NOTIFY): every waiting run asks its agent.
  const listen = () =>
    (listening ??= db.listen("a2a_push", (p) => (p ? woken.get(p)?.() : woken.forEach((wake) => wake()))));

  async function* run(input: RunInput, signal: AbortSignal): AsyncGenerator<AgentEvent> {
    const json = input.target?.card as Record<string, unknown> | undefined;
    const at = json && endpointOf(json);
    if (!json || !at) throw new Fatal("the agent's Agent Card offers no JSON-RPC interface", "agent_missing");
    // A 0.3 card is described to the client as a 1.0 card with a 0.3 interface.
    const card = AgentCard.fromJSON({
      ...json,
      supportedInterfaces: [{ url: at.url, protocolBinding: "JSONRPC", protocolVersion: at.version }],
    });
    const client = await factory.createFromAgentCard(card);
    const request = SendMessageRequest.fromJSON({
      message: {
        messageId: `${input.sessionId}:${input.attempt}`,
        role: "ROLE_USER",
        parts: [{ text: input.prompt }],
        metadata: { orchestrator: { session: input.sessionId, attempt: input.attempt, title: input.title } },
      },
    });
    const artifacts: Record<string, string> = {};
    let taskId: string | null = null;
    let last = "";
    let wake: (() => void) | null = null;
    let pushed: string | null = null;
    const onAbort = () => {
      if (taskId) void client.cancelTask({ tenant: "", id: taskId, metadata: undefined }).catch(() => {});
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      let ended: Task | null = null;
      if (card.capabilities?.streaming) {
        for await (const ev of client.sendMessageStream(request, { signal })) {
          const p = ev.payload;
          if (!p) continue;
          if (p.$case === "message") return yield* finish(textOf(p.value.parts), artifacts);
          if (p.$case === "task") {
            taskId = p.value.id;
            yield { type: "log", level: "info", text: `A2A task ${taskId} at ${at.url}` };
            if (isDone(p.value.status?.state)) ended = p.value;
          } else if (p.$case === "artifactUpdate" && p.value.artifact) {
            const a = p.value.artifact;
            const name = a.name || a.artifactId;
            artifacts[name] = (p.value.append ? (artifacts[name] ?? "") : "") + textOf(a.parts);
            if (p.value.lastChunk !== false) yield { type: "artifact", name, content: artifacts[name]! };
          } else if (p.$case === "statusUpdate") {
            const words = textOf(p.value.status?.message?.parts);
            if (words) {
              last = words;
              yield { type: "message", text: words };
            }
            if (isDone(p.value.status?.state)) ended = { ...(ended ?? ({} as Task)), status: p.value.status };
          }
          if (ended) break;
        }
      } else {
        // Non-blocking, so the task id is known at once (a cancel can reach it) and GetTask follows it.
        const token = randomBytes(16).toString("hex");
        const url = card.capabilities?.pushNotifications && base();
        if (url) {
          await listen();
          woken.set(`${input.sessionId}:${token}`, () => wake?.());
        }
        const configuration = SendMessageConfiguration.fromJSON({
          returnImmediately: true,
          ...(url
            ? { taskPushNotificationConfig: { url: `${url}/api/v1/a2a/push/${input.sessionId}`, token } }
            : {}),
        });
        pushed = url ? `${input.sessionId}:${token}` : null;
        const first = await client.sendMessage({ ...request, configuration }, { signal });
        if (!("status" in first)) return yield* finish(textOf(first.parts), artifacts);
        taskId = first.id;
        ended = isDone(first.status?.state) ? first : null;
      }
      // No end seen (a stream that stopped early, or a non-blocking answer): ask until it ends.
      while (!ended && taskId) {
        yield { type: "alive" };
        await nap(pushed ? 10_000 : 1000, signal, (w) => (wake = w));
        const t = await client.getTask({ tenant: "", id: taskId, historyLength: 0 }, { signal });
        if (isDone(t.status?.state)) ended = t;
      }
      if (!ended) throw new Error("the A2A agent ended the stream without a task");
      for (const a of ended.artifacts ?? []) artifacts[a.name || a.artifactId] ??= textOf(a.parts);
      const words = textOf(ended.status?.message?.parts) || last;
      const state = ended.status!.state;
      if (state === TaskState.TASK_STATE_COMPLETED) return yield* finish(words, artifacts);
      const why = `the A2A agent's task ended ${TaskState[state]}${words ? `: ${words}` : ""}`;
      if (state === TaskState.TASK_STATE_FAILED) throw new Error(why);
      throw new Fatal(
        state === TaskState.TASK_STATE_INPUT_REQUIRED || state === TaskState.TASK_STATE_AUTH_REQUIRED
          ? `${why} (answering an A2A agent's question is not supported yet)`
          : why,
        "agent_refused",
      );
    } finally {
      signal.removeEventListener("abort", onAbort);
      if (pushed) woken.delete(pushed);
    }
  }

  return {
    name: "a2a",
    label: "A2A agents, called with the official A2A client",
    capabilities: [],
    run,
    health: async () => ({ ok: true }),
  };
}

/** Wait `ms`, or less when woken or aborted. */
function nap(ms: number, signal: AbortSignal, onWake: (w: () => void) => void): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
    onWake(done);
  }).then(() => signal.throwIfAborted());
}

const isDone = (s: TaskState | undefined) =>
  s !== undefined &&
  [
    TaskState.TASK_STATE_COMPLETED,
    TaskState.TASK_STATE_FAILED,
    TaskState.TASK_STATE_CANCELED,
    TaskState.TASK_STATE_REJECTED,
    TaskState.TASK_STATE_INPUT_REQUIRED,
    TaskState.TASK_STATE_AUTH_REQUIRED,
  ].includes(s);

async function* finish(text: string, artifacts: Record<string, string>): AsyncGenerator<AgentEvent> {
  yield { type: "result", result: { output: text, artifacts } };
}
