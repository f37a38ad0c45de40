import type { Db } from "../../db/db.ts";
import type { AgentRow } from "../../registry/store.ts";
import type { Row } from "../../session/row.ts";
import { take } from "./tasks.ts";

export interface Waiters {
  /** The agent's next assignment, waiting up to `ms` for one to be routed to it (on any node). */
  next(agent: AgentRow, ms: number, signal?: AbortSignal): Promise<Row | null>;
  /** Wake this node's long-polls and streams of an agent: an assignment may be waiting. */
  wake(agentId: string): void;
  /**
   * Hear of news for a task's inbox: a person's message to the session (`talk`, from any node) or an
   * answer to one of these approvals. Listen before reading, so nothing said in between is missed.
   */
  hear(sessionId: string, approvals: string[]): { heard: Promise<void>; off: () => void };
  stop(): Promise<void>;
}

/** Long-polls and streams wait here; the claim's NOTIFY (any node) wakes them. */
export async function create(db: Db, now: () => Date): Promise<Waiters> {
  const waiting = new Map<string, Set<() => void>>();
  const wake = (agentId: string) => {
    for (const fn of waiting.get(agentId) ?? []) fn();
  };
  // "" names no agent (payloads dropped from an oversized NOTIFY): every waiting agent looks.
  const off = await db.listen("tasks", (id) => (id ? wake(id) : waiting.forEach((_, a) => wake(a))));
  // Inbox listeners by session and by approval id; "" (payloads dropped) wakes every one of a topic.
  const ears = { talk: new Map<string, Set<() => void>>(), approval: new Map<string, Set<() => void>>() };
  const ring = (m: Map<string, Set<() => void>>, key: string) => {
    for (const [k, fns] of m) if (!key || k === key) for (const fn of fns) fn();
  };
  const offTalk = await db.listen("talk", (id) => ring(ears.talk, id));
  const offApproval = await db.listen("approval", (id) => ring(ears.approval, id));
  const hear = (sessionId: string, approvals: string[]) => {
    let wake!: () => void;
    const heard = new Promise<void>((r) => (wake = r));
    const on: [Map<string, Set<() => void>>, string][] = [
      [ears.talk, sessionId],
      ...approvals.map((a): [Map<string, Set<() => void>>, string] => [ears.approval, a]),
    ];
    for (const [m, k] of on) m.set(k, (m.get(k) ?? new Set()).add(wake));
    const off = () => {
      for (const [m, k] of on) {
        m.get(k)?.delete(wake);
        if (!m.get(k)?.size) m.delete(k);
      }
    };
    return { heard, off };
  };
  const next = async (agent: AgentRow, ms: number, signal?: AbortSignal) => {
    const end = now().getTime() + ms;
    for (;;) {
      // Listen before looking, so an assignment routed in between is not missed.
      let wake!: () => void;
      const woken = new Promise<void>((r) => (wake = r));
      const set = waiting.get(agent.id) ?? new Set();
      waiting.set(agent.id, set);
      set.add(wake);
      const timer = setTimeout(wake, Math.max(0, end - now().getTime()));
      signal?.addEventListener("abort", wake, { once: true });
      try {
        const row = await take(db, agent, now());
        if (row || now().getTime() >= end || signal?.aborted) return row;
        await woken;
        if (signal?.aborted) return null;
      } finally {
        clearTimeout(timer);
        set.delete(wake);
        if (!set.size) waiting.delete(agent.id);
        signal?.removeEventListener("abort", wake);
      }
    }
  };
  return {
    next,
    wake,
    hear,
    stop: async () => {
      await off();
      await offTalk();
      await offApproval();
    },
  };
}
