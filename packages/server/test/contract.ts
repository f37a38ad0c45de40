import { expect, test } from "vitest";
import type { Agent, AgentEvent, RunInput } from "../src/agent/agent.ts";

/**
 * The adapter contract: what the engine relies on from every agent, whatever it runs on. Each subject
 * supplies a task of numbered steps in its own language and says which steps a run's events show done.
 */
export interface Subject {
  agent: Agent;
  /** Steps 1..n, each a visible unit of work; the last one waits `slowMs` first. */
  task(id: string, steps: number, slowMs: number): RunInput;
  /** The step numbers the events show were done. */
  done(events: AgentEvent[]): number[];
}

const kinds = new Set([
  "message",
  "delta",
  "log",
  "progress",
  "artifact",
  "tool",
  "reasoning",
  "todo",
  "usage",
  "alive",
  "checkpoint",
  "degraded",
  "recovered",
  "result",
]);

/** Drain a run, optionally aborting once `stopWhen` sees an event; returns the events and how it ended. */
async function drain(
  agent: Agent,
  input: RunInput,
  stopWhen?: (e: AgentEvent, all: AgentEvent[]) => boolean,
) {
  const ac = new AbortController();
  const events: AgentEvent[] = [];
  let abortedAt = 0;
  let error: unknown = null;
  try {
    for await (const e of agent.run(input, ac.signal)) {
      events.push(e);
      if (stopWhen?.(e, events) && !ac.signal.aborted) {
        abortedAt = Date.now();
        ac.abort(new Error("contract: stop"));
      }
    }
  } catch (err) {
    error = err;
  }
  return { events, error, stoppedMs: abortedAt ? Date.now() - abortedAt : null };
}

export function contract(name: string, subject: () => Subject): void {
  const id = () => crypto.randomUUID();

  test(`${name}: a task ends with exactly one result, as its last event, after every step`, async () => {
    const s = subject();
    const { events, error } = await drain(s.agent, s.task(id(), 3, 0));
    expect(error).toBeNull();
    expect(events.every((e) => kinds.has(e.type))).toBe(true);
    // Streamed pieces of a text part start its final message (the tail may come only with the message).
    for (const m of events) {
      if (m.type !== "message" || !m.part) continue;
      const pieces = events.filter((e) => e.type === "delta" && e.part === m.part);
      expect(m.text.startsWith(pieces.map((e) => (e.type === "delta" ? e.text : "")).join(""))).toBe(true);
    }
    expect(events.filter((e) => e.type === "result")).toHaveLength(1);
    expect(events.at(-1)?.type).toBe("result");
    expect(s.done(events)).toEqual([1, 2, 3]);
  }, 200_000);

  test(`${name}: an abort stops it promptly, with no result`, async () => {
    const s = subject();
    const firstWork = (_: AgentEvent, all: AgentEvent[]) => s.done(all).length >= 1;
    const { events, stoppedMs } = await drain(s.agent, s.task(id(), 2, 60_000), firstWork);
    expect(stoppedMs).not.toBeNull();
    expect(stoppedMs!).toBeLessThan(5_000);
    expect(events.some((e) => e.type === "result")).toBe(false);
  }, 200_000);

  test(`${name}: a run resumed from its last checkpoint finishes without redoing work`, async () => {
    const s = subject();
    const sid = id();
    const input = s.task(sid, 3, 60_000);
    const twoDone = (_: AgentEvent, all: AgentEvent[]) =>
      s.done(all).length >= 2 && all.at(-1)?.type === "checkpoint";
    const first = await drain(s.agent, input, twoDone);
    const checkpoint = first.events.findLast((e) => e.type === "checkpoint");
    expect(checkpoint).toBeDefined();
    const second = await drain(s.agent, {
      ...input,
      attempt: 2,
      checkpoint: (checkpoint as { data: unknown }).data,
      prompt: input.prompt.replace(/60000/g, "0"),
    });
    expect(second.error).toBeNull();
    expect(second.events.at(-1)?.type).toBe("result");
    const redone = s.done(second.events).filter((n) => s.done(first.events).includes(n));
    expect(redone).toEqual([]);
  }, 300_000);

  test(`${name}: reports its health`, async () => {
    expect((await subject().agent.health()).ok).toBe(true);
  });
}
