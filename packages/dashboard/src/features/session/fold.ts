import type { Event } from "@orchestrator/sdk";

/**
 * The Glass Box timeline, folded from the session's event log. Pure and incremental: `apply` adds one
 * event, replacing only the items it changes, so 10,000 events fold in one pass and React re-renders
 * only the rows whose item object changed.
 */
export type Item =
  | {
      kind: "status";
      key: string;
      at: string;
      from: string;
      to: string;
      event: string;
      attempt: number;
      reason?: string;
      error?: { code: string; message: string };
      route?: Route;
    }
  | { kind: "message"; key: string; at: string; text: string; streaming?: boolean }
  | { kind: "reasoning"; key: string; at: string; text: string }
  | { kind: "log"; key: string; at: string; level: string; text: string }
  | {
      kind: "tool";
      key: string;
      at: string;
      tool: string;
      callId: string;
      status: string;
      title?: string;
      error?: string;
      input?: unknown;
      output?: string;
      steps: { at: string; status: string }[];
    }
  | {
      kind: "approval";
      key: string;
      at: string;
      approvalId: string;
      ask: "permission" | "question";
      request: Record<string, unknown>;
      state: "pending" | "answered" | "expired" | "withdrawn";
      answer?: unknown;
      expiresAt?: string;
    }
  | { kind: "checkpoint"; key: string; at: string; seq: number }
  | { kind: "progress"; key: string; at: string; done: number; total: number }
  | { kind: "todo"; key: string; at: string; todos: { content: string; status: string }[] }
  | { kind: "artifact"; key: string; at: string; name: string; content: string }
  | { kind: "other"; key: string; at: string; type: string; data: unknown };

export interface Route {
  agent: string;
  why?: string;
  runnersUp: { name: string; score: number }[];
}

export interface Model {
  items: Item[];
  /** Where a tool call's or an approval's item is, to update it in place. */
  index: Map<string, number>;
  lastSeq: number;
  /** Events folded in, and how many times the seq jumped (a missed event; the stream should make it 0). */
  count: number;
  gaps: number;
  /** Tokens and cost, summed from agent.usage as they stream (the session row has the settled total). */
  usage: { input: number; output: number; reasoning: number; cost: number };
  /** The newest routing decision: which agent got the current attempt, and why. */
  route: Route | null;
}

export const empty = (): Model => ({
  items: [],
  index: new Map(),
  lastSeq: 0,
  count: 0,
  gaps: 0,
  usage: { input: 0, output: 0, reasoning: 0, cost: 0 },
  route: null,
});

const str = (v: unknown) =>
  typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v);
const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);

/** Fold events in (mutating `m`'s arrays, replacing changed items); events at or before lastSeq are skipped. */
export function apply(m: Model, events: readonly Event[]): Model {
  for (const e of events) {
    if (e.seq <= m.lastSeq) continue;
    if (e.seq !== m.lastSeq + 1) m.gaps++;
    m.lastSeq = e.seq;
    m.count++;
    const d = e.data as Record<string, unknown>;
    const key = String(e.seq);
    const at = e.at;
    switch (e.type) {
      case "session.status": {
        const route = d.event === "claim" && d.agent ? toRoute(d) : undefined;
        if (route) m.route = route;
        m.items.push({
          kind: "status",
          key,
          at,
          from: str(d.from),
          to: str(d.to),
          event: str(d.event),
          attempt: num(d.attempt),
          ...(d.reason ? { reason: str(d.reason) } : {}),
          ...(d.error ? { error: d.error as { code: string; message: string } } : {}),
          ...(route ? { route } : {}),
        });
        break;
      }
      case "agent.delta":
      case "agent.message": {
        // Streamed text: pieces grow one entry, and the final message replaces it with the whole text.
        const id = d.part ? `msg:${str(d.part)}` : null;
        const i = id === null ? undefined : m.index.get(id);
        const prev = i === undefined ? undefined : m.items[i];
        const piece = e.type === "agent.delta";
        if (prev?.kind === "message")
          m.items[i!] = { ...prev, text: piece ? prev.text + str(d.text) : str(d.text), streaming: piece };
        else {
          if (id !== null) m.index.set(id, m.items.length);
          m.items.push({
            kind: "message",
            key,
            at,
            text: str(d.text),
            ...(piece ? { streaming: true } : {}),
          });
        }
        break;
      }
      case "agent.reasoning":
        m.items.push({ kind: "reasoning", key, at, text: str(d.text) });
        break;
      case "agent.log":
        m.items.push({ kind: "log", key, at, level: str(d.level) || "info", text: str(d.text) });
        break;
      case "agent.tool": {
        const id = `tool:${str(d.callId)}`;
        const i = m.index.get(id);
        const prev = i === undefined ? undefined : m.items[i];
        const step = { at, status: str(d.status) };
        if (prev?.kind === "tool") {
          m.items[i!] = {
            ...prev,
            status: step.status,
            title: d.title ? str(d.title) : prev.title,
            error: d.error ? str(d.error) : prev.error,
            input: d.input ?? prev.input,
            output: d.output !== undefined ? str(d.output) : prev.output,
            steps: [...prev.steps, step],
          };
        } else {
          m.index.set(id, m.items.length);
          m.items.push({
            kind: "tool",
            key,
            at,
            tool: str(d.tool),
            callId: str(d.callId),
            status: step.status,
            ...(d.title ? { title: str(d.title) } : {}),
            ...(d.error ? { error: str(d.error) } : {}),
            ...(d.input !== undefined ? { input: d.input } : {}),
            ...(d.output !== undefined ? { output: str(d.output) } : {}),
            steps: [step],
          });
        }
        break;
      }
      case "approval.requested": {
        const id = `approval:${str(d.approvalId)}`;
        m.index.set(id, m.items.length);
        m.items.push({
          kind: "approval",
          key,
          at,
          approvalId: str(d.approvalId),
          ask: d.kind === "question" ? "question" : "permission",
          request: (d.request as Record<string, unknown>) ?? {},
          state: "pending",
          ...(d.expiresAt ? { expiresAt: str(d.expiresAt) } : {}),
        });
        break;
      }
      case "approval.answered":
      case "approval.expired":
      case "approval.withdrawn": {
        const i = m.index.get(`approval:${str(d.approvalId)}`);
        const prev = i === undefined ? undefined : m.items[i];
        if (prev?.kind === "approval")
          m.items[i!] = {
            ...prev,
            state: e.type.slice("approval.".length) as "answered" | "expired" | "withdrawn",
            answer: d.answer ?? prev.answer,
          };
        else m.items.push({ kind: "other", key, at, type: e.type, data: d });
        break;
      }
      case "agent.usage":
        m.usage = {
          input: m.usage.input + num(d.input),
          output: m.usage.output + num(d.output),
          reasoning: m.usage.reasoning + num(d.reasoning),
          cost: m.usage.cost + num(d.cost),
        };
        break;
      case "session.checkpoint":
        m.items.push({ kind: "checkpoint", key, at, seq: e.seq });
        break;
      case "agent.progress":
        m.items.push({ kind: "progress", key, at, done: num(d.done), total: num(d.total) });
        break;
      case "agent.todo":
        m.items.push({
          kind: "todo",
          key,
          at,
          todos: (d.todos as { content: string; status: string }[]) ?? [],
        });
        break;
      case "agent.artifact":
        m.items.push({ kind: "artifact", key, at, name: str(d.name), content: str(d.content) });
        break;
      case "session.created":
        m.items.push({ kind: "log", key, at, level: "info", text: `created (${str(d.status) || "queued"})` });
        break;
      default:
        m.items.push({ kind: "other", key, at, type: e.type, data: d });
    }
  }
  return m;
}

function toRoute(d: Record<string, unknown>): Route {
  const agent = d.agent as { name?: string };
  const runnersUp = Array.isArray(d.runnersUp) ? (d.runnersUp as { name: string; score: number }[]) : [];
  return { agent: str(agent.name), ...(d.why ? { why: str(d.why) } : {}), runnersUp };
}
