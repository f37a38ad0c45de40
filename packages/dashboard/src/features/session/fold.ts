import type { Event, EventData, Landing } from "@orchestrator/sdk";
import { landingWords } from "../land/words.ts";

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
      /** Who asked for it (`key:<id>`, or `dev` without auth), when a person did. */
      by?: string;
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
      /** The approval this call waits on, while it does. */
      approval?: "pending";
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
      /** Who answered: `key:<id>`, `dev`, or `policy`. */
      by?: string;
      expiresAt?: string;
    }
  | { kind: "checkpoint"; key: string; at: string; seq: number; commit?: string }
  /** A session event in words: queue notes, edits, reviews, restores. */
  | { kind: "note"; key: string; at: string; type: string; tone: string; text: string; by?: string }
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
  /** Whether the session runs now, or waits for a person, by its newest status change (null: neither). */
  phase: "running" | "waiting" | null;
  /** Tool calls started and not yet ended, in the order they started: callId → what it runs. */
  open: Map<string, string>;
}

export const empty = (): Model => ({
  items: [],
  index: new Map(),
  lastSeq: 0,
  count: 0,
  gaps: 0,
  usage: { input: 0, output: 0, reasoning: 0, cost: 0 },
  route: null,
  phase: null,
  open: new Map(),
});

/** The "working…" line: what the session does right now, or null when it is not running. */
export function working(m: Model): string | null {
  if (m.phase === "waiting") return "waiting for a person";
  if (m.phase !== "running") return null;
  const last = [...m.open.values()].at(-1);
  return last ? `running ${last}` : "thinking";
}

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
    // Destructured, so the switch on `type` narrows `d` to its payload (sdk/events.ts). Entries of old
    // versions may lack a field added since (optional there); those of unknown types fold to `other`.
    const { type, data: d } = e;
    const raw: { type: string; data: unknown } = e;
    const key = String(e.seq);
    const at = e.at;
    switch (type) {
      case "session.status": {
        const route = d.event === "claim" && d.agent ? toRoute(d.agent, d) : undefined;
        if (route) m.route = route;
        const to = str(d.to);
        m.phase = to === "running" || to === "degraded" ? "running" : to === "waiting" ? "waiting" : null;
        // A call open when its run ended will not report its end: a new run starts with none.
        if (m.phase === null) m.open.clear();
        m.items.push({
          kind: "status",
          key,
          at,
          from: str(d.from),
          to: str(d.to),
          event: str(d.event),
          attempt: num(d.attempt),
          ...(d.reason ? { reason: str(d.reason) } : {}),
          ...(d.by ? { by: str(d.by) } : {}),
          ...(d.error ? { error: d.error } : {}),
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
        const piece = type === "agent.delta";
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
        if (step.status === "pending" || step.status === "running") {
          m.open.delete(str(d.callId));
          m.open.set(
            str(d.callId),
            doing(str(d.tool), d.input ?? (prev?.kind === "tool" ? prev.input : undefined)),
          );
        } else m.open.delete(str(d.callId));
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
        const request: Record<string, unknown> = d.request ?? {};
        if (request.callId) mark(m, str(request.callId), "pending");
        m.index.set(id, m.items.length);
        m.items.push({
          kind: "approval",
          key,
          at,
          approvalId: str(d.approvalId),
          ask: d.kind === "question" ? "question" : "permission",
          request,
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
        // The log's answer is the answer's fields beside the approval id (`reply`, `answers`, `message`);
        // an `answer` object is taken too, though the server has not written one.
        const answer =
          ("answer" in d ? d.answer : undefined) ??
          ("reply" in d && (d.reply || d.answers) ? pick(d, ["reply", "answers", "message"]) : undefined);
        if (prev?.kind === "approval") {
          if (prev.request.callId) mark(m, str(prev.request.callId), undefined);
          m.items[i!] = {
            ...prev,
            state: type.slice("approval.".length) as "answered" | "expired" | "withdrawn",
            answer: answer ?? prev.answer,
            ...("by" in d && d.by ? { by: str(d.by) } : {}),
          };
        } else m.items.push(note(e, key));
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
      case "session.checkpoint": {
        // The agent's own checkpoint: OpenCode's carries the commit it stands on.
        const commit = (d.data as { commit?: unknown } | null)?.commit;
        m.items.push({
          kind: "checkpoint",
          key,
          at,
          seq: e.seq,
          ...(typeof commit === "string" ? { commit } : {}),
        });
        break;
      }
      case "agent.progress":
        m.items.push({ kind: "progress", key, at, done: num(d.done), total: num(d.total) });
        break;
      case "agent.todo":
        m.items.push({
          kind: "todo",
          key,
          at,
          todos: d.todos ?? [],
        });
        break;
      case "agent.artifact":
        m.items.push({ kind: "artifact", key, at, name: str(d.name), content: str(d.content) });
        break;
      case "session.created":
        m.items.push({ kind: "log", key, at, level: "info", text: `created (${str(d.status) || "queued"})` });
        break;
      case "session.waiting":
      case "session.updated":
      case "session.reviewed":
      case "session.restored":
      case "session.deleted":
      case "session.message":
      case "session.landing":
        m.items.push(note(e, key));
        break;
      default:
        // A type this dashboard does not know (a newer server's): shown raw.
        m.items.push({ kind: "other", key, at, type: raw.type, data: raw.data });
    }
  }
  return m;
}

/** A tool call in a few words: the tool, and its command or file. */
function doing(tool: string, input: unknown): string {
  const i = (input ?? {}) as Record<string, unknown>;
  const what = typeof i.command === "string" ? i.command : typeof i.filePath === "string" ? i.filePath : "";
  const short = what.split("/").length > 3 && !i.command ? `…/${what.split("/").slice(-2).join("/")}` : what;
  return short ? `${tool}: ${short.length > 80 ? `${short.slice(0, 79)}…` : short}` : tool;
}

/** Set or clear the approval a tool call waits on, replacing its item so its row re-renders. */
function mark(m: Model, callId: string, approval: "pending" | undefined): void {
  const i = m.index.get(`tool:${callId}`);
  const prev = i === undefined ? undefined : m.items[i];
  if (prev?.kind !== "tool") return;
  const { approval: _was, ...rest } = prev;
  m.items[i!] = approval ? { ...rest, approval } : rest;
}

const pick = (d: Record<string, unknown>, keys: string[]) =>
  Object.fromEntries(keys.filter((k) => d[k] !== undefined).map((k) => [k, d[k]]));

/** The session events that are not state changes, in words. */
function note(e: Notable, key: string): Item {
  const { type, data: d, at } = e;
  // Who: a person's action names them in `by`; a follow-up message in `author`.
  const who = "by" in d ? d.by : "author" in d ? d.author : undefined;
  const by = who ? { by: str(who) } : {};
  const n = (tone: string, text: string): Item => ({ kind: "note", key, at, type, tone, text, ...by });
  switch (type) {
    case "session.waiting":
      return n("queue", `waiting in the queue: ${str(d.reason) || "no agent can take it yet"}`);
    case "session.updated": {
      const parts = [
        d.title !== undefined && `title → “${str(d.title)}”`,
        d.priority !== undefined && `priority → ${str(d.priority)}`,
        Array.isArray(d.tags) && `tags → ${d.tags.length ? d.tags.map(str).join(", ") : "none"}`,
      ].filter(Boolean);
      return n("idle", `edited: ${parts.join(" · ") || "no change"}`);
    }
    case "session.reviewed":
      return n("done", "marked reviewed");
    case "session.message":
      return n("ask", `${d.steer ? "steering" : "message"}: ${str(d.text)}`);
    case "session.restored": {
      const commit = typeof d.commit === "string" ? ` (commit ${d.commit.slice(0, 10)})` : "";
      return n("hold", `restored to checkpoint #${num(d.seq)}${commit}: the next run starts from there`);
    }
    case "session.deleted":
      return n("bad", "deleted");
    case "approval.answered":
    case "approval.expired":
      return n(
        "ask",
        `${type === "approval.expired" ? "no one answered; by policy" : "approval answered"}: ${str(d.reply) || "answers given"}${d.message ? ` (${str(d.message)})` : ""}`,
      );
    case "approval.withdrawn":
      return n("idle", "approval withdrawn: the run ended before an answer");
    case "session.landing": {
      const w = landingWords(d as unknown as Landing);
      return n(w.tone, w.text);
    }
  }
}

type Notable = Event<
  | "session.waiting"
  | "session.updated"
  | "session.reviewed"
  | "session.message"
  | "session.landing"
  | "session.restored"
  | "session.deleted"
  | `approval.${"answered" | "expired" | "withdrawn"}`
>;

function toRoute(agent: { name: string }, d: Pick<EventData<"session.status">, "runnersUp" | "why">): Route {
  const runnersUp = Array.isArray(d.runnersUp) ? d.runnersUp : [];
  return { agent: str(agent.name), ...(d.why ? { why: str(d.why) } : {}), runnersUp };
}
