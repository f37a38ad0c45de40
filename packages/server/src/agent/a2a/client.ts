import { AgentCard, SendMessageConfiguration, SendMessageRequest, type Task, TaskState } from "@a2a-js/sdk";
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
} from "@a2a-js/sdk/client";
import { randomBytes, randomUUID } from "node:crypto";
import type { Log } from "../../log.ts";
import type { Config } from "../../config.ts";
import type { Db } from "../../db/db.ts";
import * as Guard from "../../net/guard.ts";
import { type Agent, type AgentEvent, Fatal, type RunInput } from "../agent.ts";
import { endpointOf } from "./register.ts";
import { type Turn, ask, opening, relaying, remoteOf, stamp } from "./talk.ts";

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
 * stays as the backstop; a notification is only a hint, the task as GetTask reads it is the truth). Status
 * messages become message events, artifacts artifact events; the final text and artifacts are the result.
 * Multi-turn (talk.ts): a task that needs input asks a person, and the answer goes back as a message on
 * the same task; follow-ups go to the working task, or open a new task in its context the next round.
 * Every call goes through the SSRF guard.
 */
export function a2a(config: Config, db: Db, base: () => string | null, log: Log): Agent {
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
    const meta = { orchestrator: { session: input.sessionId, attempt: input.attempt, title: input.title } };
    const first = opening(input);
    let request = SendMessageRequest.fromJSON({
      message: {
        messageId: first.said.length ? randomUUID() : `${input.sessionId}:${input.attempt}`,
        role: "ROLE_USER",
        parts: [{ text: first.text }],
        ...first.to,
        metadata: meta,
      },
    });
    const artifacts: Record<string, string> = {};
    const state: Turn = { taskId: null, contextId: null, last: "", pushed: null, wake: null, answered: null };
    const onAbort = () => {
      if (state.taskId)
        void client
          .cancelTask({ tenant: "", id: state.taskId, metadata: undefined })
          .catch((err) => log.warn({ err, session: input.sessionId }, "could not cancel the A2A task"));
    };
    signal.addEventListener("abort", onAbort, { once: true });
    const relay = relaying(client, input, state, signal, log);
    try {
      for (let delivered = false; ;) {
        const ended = yield* turn(client, card, at.url, request, input, state, artifacts, signal);
        if (!delivered && first.said.length) await input.talk.delivered(first.said);
        delivered = true;
        if ("text" in ended) return yield* finish(ended.text, artifacts);
        // Where the conversation is: a follow-up round (or a retry) continues it in the same context.
        yield { type: "checkpoint", data: { a2a: remoteOf(ended) } };
        for (const a of ended.artifacts ?? []) artifacts[a.name || a.artifactId] ??= textOf(a.parts);
        const words = textOf(ended.status?.message?.parts) || state.last;
        const s = ended.status!.state;
        if (s === TaskState.TASK_STATE_COMPLETED) return yield* finish(words, artifacts);
        const why = `the A2A agent's task ended ${TaskState[s]}${words ? `: ${words}` : ""}`;
        if (s === TaskState.TASK_STATE_FAILED) throw new Error(why);
        if (s !== TaskState.TASK_STATE_INPUT_REQUIRED) throw new Fatal(why, "agent_refused");
        state.answered = stamp(ended.status);
        const answer = await relay.asking(() => ask(input, words || "The agent needs your input."));
        if (answer === null) {
          onAbort();
          throw new Fatal(`${why}; the person declined to answer`, "agent_refused");
        }
        yield { type: "log", level: "info", text: "answered the A2A agent's question" };
        request = SendMessageRequest.fromJSON({
          message: {
            messageId: randomUUID(),
            role: "ROLE_USER",
            parts: [{ text: answer }],
            taskId: ended.id,
            contextId: ended.contextId,
            metadata: meta,
          },
        });
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      relay.stop();
      if (state.pushed) woken.delete(state.pushed);
    }
  }

  /**
   * One turn: send, then follow the task until it ends or needs input. Streaming when the card streams,
   * else a non-blocking SendMessage and GetTask (woken by a push notification when the card offers them).
   */
  async function* turn(
    client: Client,
    card: AgentCard,
    url: string,
    request: SendMessageRequest,
    input: RunInput,
    state: Turn,
    artifacts: Record<string, string>,
    signal: AbortSignal,
  ): AsyncGenerator<AgentEvent, Task | { text: string }> {
    let ended: Task | null = null;
    // The question just answered, read again before the agent took the answer: not a new question.
    const stale = (st: Task["status"]) =>
      !!request.message?.taskId &&
      st?.state === TaskState.TASK_STATE_INPUT_REQUIRED &&
      stamp(st) === state.answered;
    if (card.capabilities?.streaming) {
      for await (const ev of client.sendMessageStream(request, { signal })) {
        const p = ev.payload;
        if (!p) continue;
        if (p.$case === "message") return { text: textOf(p.value.parts) };
        if (p.$case === "task") {
          if (state.taskId !== p.value.id)
            yield { type: "log", level: "info", text: `A2A task ${p.value.id} at ${url}` };
          state.taskId = p.value.id;
          state.contextId = p.value.contextId;
          // A next turn's first event is the task as it stood: only a later status may end the turn.
          if (isDone(p.value.status?.state) && !request.message?.taskId) ended = p.value;
        } else if (p.$case === "artifactUpdate" && p.value.artifact) {
          const a = p.value.artifact;
          const name = a.name || a.artifactId;
          artifacts[name] = (p.value.append ? (artifacts[name] ?? "") : "") + textOf(a.parts);
          if (p.value.lastChunk !== false) yield { type: "artifact", name, content: artifacts[name]! };
        } else if (p.$case === "statusUpdate") {
          const words = textOf(p.value.status?.message?.parts);
          if (words) {
            state.last = words;
            yield { type: "message", text: words };
          }
          if (isDone(p.value.status?.state) && !stale(p.value.status))
            ended = {
              ...(ended ?? ({ id: p.value.taskId, contextId: p.value.contextId } as Task)),
              status: p.value.status,
            };
        }
        if (ended) break;
      }
    } else {
      // Non-blocking, so the task id is known at once (a cancel can reach it) and GetTask follows it.
      const token = randomBytes(16).toString("hex");
      const push = card.capabilities?.pushNotifications && base();
      if (push && !state.pushed) {
        await listen();
        state.pushed = `${input.sessionId}:${token}`;
        woken.set(state.pushed, () => state.wake?.());
      }
      const configuration = SendMessageConfiguration.fromJSON({
        returnImmediately: true,
        ...(push && state.pushed
          ? {
              taskPushNotificationConfig: {
                url: `${push}/api/v1/a2a/push/${input.sessionId}`,
                token: state.pushed.slice(input.sessionId.length + 1),
              },
            }
          : {}),
      });
      const sent = await client.sendMessage({ ...request, configuration }, { signal });
      if (!("status" in sent)) return { text: textOf(sent.parts) };
      if (state.taskId !== sent.id)
        yield { type: "log", level: "info", text: `A2A task ${sent.id} at ${url}` };
      state.taskId = sent.id;
      state.contextId = sent.contextId;
      ended = isDone(sent.status?.state) && !stale(sent.status) ? sent : null;
    }
    // No end seen (a stream that stopped early, or a non-blocking answer): ask until it ends.
    while (!ended && state.taskId) {
      yield { type: "alive" };
      await nap(state.pushed ? 10_000 : 1000, signal, (w) => (state.wake = w));
      const t = await client.getTask({ tenant: "", id: state.taskId, historyLength: 0 }, { signal });
      if (isDone(t.status?.state) && !stale(t.status)) ended = t;
    }
    if (!ended) throw new Error("the A2A agent ended the stream without a task");
    return ended;
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
