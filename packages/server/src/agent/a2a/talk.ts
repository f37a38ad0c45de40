import { randomUUID } from "node:crypto";
import { SendMessageConfiguration, SendMessageRequest, type Task } from "@a2a-js/sdk";
import type { Client } from "@a2a-js/sdk/client";
import type { Log } from "../../log.ts";
import type { RunInput, Said } from "../agent.ts";

/**
 * The conversation side of running a session on a remote A2A agent (client.ts): which message opens a
 * run, where the remote conversation stands between rounds, the person asked when the remote task needs
 * input, and people's follow-ups relayed to the remote task while it works.
 */

/** What a run knows of the remote task as it goes. */
export interface Turn {
  taskId: string | null;
  contextId: string | null;
  /** The last status words, for a result that carries none. */
  last: string;
  /** The push token's key in `woken`, once the send carried a push config. */
  pushed: string | null;
  wake: (() => void) | null;
  /** The stamp of the input-required status last answered: read again, it is not a new question. */
  answered: string | null;
}

/** The remote conversation as a checkpoint keeps it for the next round. */
export interface Remote {
  taskId: string;
  contextId: string;
}

export const remoteOf = (t: Pick<Task, "id" | "contextId">): Remote => ({
  taskId: t.id,
  contextId: t.contextId,
});

const savedOf = (checkpoint: unknown): Remote | null => {
  const r = (checkpoint as { a2a?: Partial<Remote> } | null)?.a2a;
  return r?.taskId && r.contextId ? { taskId: r.taskId, contextId: r.contextId } : null;
};

/**
 * The first message of a run. A round a person's message opened says that message in the remote context
 * the last round left (a new task there: the last one ended); a retry of such a round says it again. Any
 * other run sends the session's prompt. `said` are the messages it hands over, marked once sent.
 */
export function opening(input: RunInput): {
  text: string;
  to: { contextId?: string };
  said: string[];
} {
  const saved = savedOf(input.checkpoint);
  const said: Said[] = input.talk.waiting.length
    ? input.talk.waiting
    : input.talk.last
      ? [input.talk.last]
      : [];
  if (!said.length) return { text: input.prompt, to: {}, said: [] };
  const words = said.map((m) => m.text).join("\n\n");
  const ids = input.talk.waiting.map((m) => m.id);
  // Without a saved context (the last round never reached the agent), the new task needs the whole ask.
  if (!saved) return { text: `${input.prompt}\n\n${words}`, to: {}, said: ids };
  return { text: words, to: { contextId: saved.contextId }, said: ids };
}

/** A status's identity over time: its timestamp and words (a new question differs in one or both). */
export const stamp = (st: Task["status"]): string =>
  JSON.stringify([st?.timestamp ?? null, st?.message?.messageId ?? null]);

/** Ask a person the remote agent's question. The answer's words, or null when they declined. */
export async function ask(input: RunInput, question: string): Promise<string | null> {
  const a = await input.ask({
    kind: "question",
    request: {
      title: question.length > 200 ? `${question.slice(0, 199)}…` : question,
      questions: [{ question, options: [] }],
    },
    // The default of an OpenCode profile: half an hour, then the attempt fails rather than guess.
    timeoutMs: 1_800_000,
    onTimeout: "fail",
  });
  if (a.answers) return a.answers.flat().join(", ");
  return a.message ?? null;
}

/**
 * People's messages while the remote task works go to it as messages on the same task and context (a
 * follow-up, in A2A's multi-turn). Not while a person is being asked: the remote would take the message
 * for the answer. One the remote refuses stays undelivered, and opens the session's next round.
 */
export function relaying(
  client: Client,
  input: RunInput,
  state: Turn,
  signal: AbortSignal,
  log: Log,
): { asking<T>(fn: () => Promise<T>): Promise<T>; stop(): void } {
  let asking = false;
  let stopped = false;
  let poke = () => {};
  const poked = () => new Promise<void>((r) => (poke = r));
  const send = async () => {
    const said = await input.talk.pending();
    if (!said.length || !state.taskId) return;
    const request = SendMessageRequest.fromJSON({
      message: {
        messageId: randomUUID(),
        role: "ROLE_USER",
        parts: [{ text: said.map((m) => m.text).join("\n\n") }],
        taskId: state.taskId,
        contextId: state.contextId ?? undefined,
      },
    });
    const configuration = SendMessageConfiguration.fromJSON({ returnImmediately: true });
    await client.sendMessage({ ...request, configuration }, { signal });
    await input.talk.delivered(said.map((m) => m.id));
  };
  void (async () => {
    while (!stopped && !signal.aborted) {
      await Promise.race([input.talk.arrived(), poked()]);
      if (stopped || signal.aborted || asking) continue;
      await send().catch((err) =>
        log.warn(
          { err, session: input.sessionId },
          "the A2A agent did not take a follow-up; it opens the next round",
        ),
      );
    }
  })().catch((err) =>
    log.error({ err, session: input.sessionId }, "relaying follow-ups to the A2A agent failed"),
  );
  return {
    async asking(fn) {
      asking = true;
      try {
        return await fn();
      } finally {
        asking = false;
      }
    },
    stop() {
      stopped = true;
      poke();
    },
  };
}
