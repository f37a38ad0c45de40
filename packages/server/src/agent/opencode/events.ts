import type { ApprovalRequest } from "@orchestrator/sdk";
import type { AgentEvent } from "../agent.ts";
import { request } from "./permission.ts";

// OpenCode's event union is wide; we read a few known fields defensively rather than narrow every variant.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;
export type OcEvent = { type: string; properties?: Loose };

/** Not OpenCode's: the adapter sends it when the stream has been quiet for a moment (see `held`). */
export const tick: OcEvent = { type: "orchestrator.tick" };

type ToolStatus = "pending" | "running" | "completed" | "error";

/** What one OpenCode event means for the run: events to log, and things the adapter must act on. */
export interface Step {
  events: AgentEvent[];
  /** A step finished (its tools ran): commit the worktree as a checkpoint. */
  stepDone?: { n: number; messageId: string };
  permission?: { id: string; request: ApprovalRequest };
  question?: { id: string; request: ApprovalRequest };
  /** Give up on the OpenCode session (the model keeps failing). */
  abort?: boolean;
  idle?: boolean;
}

/**
 * Turns OpenCode's event stream for one session into our agent events. Pure apart from its own memory
 * (tool states seen, step count, the final text), so it is tested without a server.
 */
export class Mapper {
  text = "";
  failure: string | null = null;
  lastMessage: string | null = null;
  private tools = new Map<string, ToolStatus>();
  /** Text parts being written: what arrived since the last piece was sent on, and when that was. */
  private writing = new Map<string, { pending: string; at: number }>();
  /** Each tool call's input, once OpenCode has sent it (a call is `pending` with `{}` before that). */
  private inputs = new Map<string, Loose>();
  /**
   * Shell permissions asked before their call's input arrived, by call id. The input carries the working
   * directory, so the ask waits for it; OpenCode sends it within milliseconds (the call's `running`
   * update), but it can come just after the ask, and the adapter stops reading while a person decides.
   */
  private held = new Map<string, { p: Loose; at: number }>();
  private steps = 0;
  private degraded = false;
  private readonly session: string;
  private readonly maxRetries: number;
  private readonly now: () => number;
  private readonly directory: string;

  /** `directory`: the session's worktree, which OpenCode resolves a tool's relative paths against. */
  constructor(session: string, maxRetries: number, now: () => number = Date.now, directory = "") {
    this.session = session;
    this.maxRetries = maxRetries;
    this.now = now;
    this.directory = directory;
  }

  next(e: OcEvent): Step {
    if (e === tick) return this.release();
    const p = e.properties ?? {};
    if (p.sessionID !== this.session) return { events: [] };
    const part = p.part;
    switch (e.type) {
      case "message.part.delta":
        return { events: this.delta(p) };
      case "message.part.updated":
        if (part?.type === "tool") {
          const step = { events: this.tool(part), ...this.released(part) };
          if (part.state?.status === "completed" || part.state?.status === "error")
            this.inputs.delete(part.callID); // a finished call's input is in the log; keep memory flat
          return step;
        }
        if (part?.type === "text" && !part.time?.end && part.id && !this.writing.has(part.id))
          this.writing.set(part.id, { pending: "", at: 0 });
        if (part?.type === "text" && part.time?.end && part.text) {
          this.text = part.text;
          this.writing.delete(part.id);
          return { events: [{ type: "message", text: part.text, ...(part.id ? { part: part.id } : {}) }] };
        }
        if (part?.type === "reasoning" && part.time?.end && part.text)
          return { events: [{ type: "reasoning", text: part.text }] };
        if (part?.type === "step-finish") {
          this.lastMessage = part.messageID ?? this.lastMessage;
          const t = part.tokens ?? {};
          const usage: AgentEvent = {
            type: "usage",
            input: num(t.input) + num(t.cache?.read) + num(t.cache?.write),
            output: num(t.output),
            reasoning: num(t.reasoning),
            cost: num(part.cost),
          };
          return { events: [usage], stepDone: { n: ++this.steps, messageId: part.messageID } };
        }
        return { events: [{ type: "alive" }] };
      case "todo.updated":
        return {
          events: [
            {
              type: "todo",
              todos: (p.todos ?? []).map((t: Record<string, unknown>) => ({
                content: String(t.content ?? ""),
                status: String(t.status ?? ""),
                ...(t.priority ? { priority: String(t.priority) } : {}),
              })),
            },
          ],
        };
      case "session.status":
        return this.status(p.status);
      case "session.error": {
        const name = p.error?.name ?? "error";
        // An abort we asked for (a cancel, a stall, a person steering) is not the model's failure.
        if (name === "MessageAbortedError")
          return { events: [{ type: "log", level: "info", text: "opencode: the turn was stopped" }] };
        this.failure ??= `${name}: ${p.error?.data?.message ?? JSON.stringify(p.error?.data ?? {})}`;
        return { events: [{ type: "log", level: "error", text: `opencode: ${name}` }] };
      }
      case "permission.asked": {
        const call = p.tool?.callID as string | undefined;
        if (p.permission === "bash" && call && !this.inputs.has(call)) {
          this.held.set(call, { p, at: this.now() });
          return { events: [] };
        }
        return { events: [], permission: this.permission(p) };
      }
      case "question.asked": {
        const questions = (p.questions ?? []).map((q: Record<string, unknown>) => ({
          question: String(q.question ?? ""),
          ...(q.header ? { header: String(q.header) } : {}),
          options: ((q.options as { label: string; description?: string }[]) ?? []).map((o) => ({
            label: String(o.label),
            ...(o.description ? { description: String(o.description) } : {}),
          })),
          ...(q.multiple !== undefined ? { multiple: Boolean(q.multiple) } : {}),
        }));
        const title = questions.map((q: { question: string }) => q.question).join(" / ") || "a question";
        return { events: [], question: { id: p.id, request: { title, questions } } };
      }
      case "session.idle":
        return { events: [], idle: true };
      default:
        // Anything else about our session (status, message updates) shows it is alive.
        return { events: [{ type: "alive" }] };
    }
  }

  /**
   * Text streams into the log in pieces: the first at once, then at most one per `pieceMs` per part, so a
   * long answer shows as it is written without an event per token. The final `message` carries the whole
   * text (and the part id), so readers that ignore pieces lose nothing.
   */
  private delta(p: Loose): AgentEvent[] {
    const w = this.writing.get(p.partID);
    if (!w || p.field !== "text" || typeof p.delta !== "string") return [{ type: "alive" }];
    w.pending += p.delta;
    const now = this.now();
    if (now - w.at < pieceMs || !w.pending) return [{ type: "alive" }];
    const text = w.pending;
    w.pending = "";
    w.at = now;
    return [{ type: "delta", part: p.partID, text }];
  }

  private permission(p: Loose): NonNullable<Step["permission"]> {
    return { id: p.id, request: request(p, this.inputs.get(p.tool?.callID), this.directory) };
  }

  /** A held permission whose call has now shown its input (or moved on without it). */
  private released(part: Loose): Pick<Step, "permission"> {
    const h = this.held.get(part.callID);
    if (!h || (!this.inputs.has(part.callID) && part.state?.status === "pending")) return {};
    this.held.delete(part.callID);
    return { permission: this.permission(h.p) };
  }

  /**
   * On a quiet stream: a permission held for `holdMs` without its input is asked anyway (without the
   * working directory) rather than never. One at a time; the adapter ticks again while any is held.
   */
  private release(): Step {
    for (const [call, h] of this.held)
      if (this.now() - h.at >= holdMs) {
        this.held.delete(call);
        return { events: [], permission: this.permission(h.p) };
      }
    return { events: [] };
  }

  /** Whether a permission waits for its call's input (the adapter then ticks the mapper). */
  get holding(): boolean {
    return this.held.size > 0;
  }

  private tool(part: Loose): AgentEvent[] {
    const status = part.state?.status as ToolStatus;
    const input = part.state?.input;
    if (input && typeof input === "object" && Object.keys(input).length) this.inputs.set(part.callID, input);
    if (this.tools.get(part.callID) === status) return [];
    this.tools.set(part.callID, status);
    return [
      {
        type: "tool",
        tool: part.tool,
        callId: part.callID,
        status,
        ...(part.state?.title ? { title: part.state.title } : {}),
        ...(part.state?.error ? { error: clip(String(part.state.error)) } : {}),
        // Input as soon as it is known (a pending call usually has none yet), output once it completed.
        ...(this.inputs.has(part.callID) ? { input: bounded(this.inputs.get(part.callID)) } : {}),
        ...(status === "completed" && typeof part.state?.output === "string"
          ? { output: clip(part.state.output) }
          : {}),
      },
    ];
  }

  private status(s: Loose | undefined): Step {
    if (s?.type === "retry") {
      this.degraded = true;
      const events: AgentEvent[] = [{ type: "degraded", reason: `LLM retry ${s.attempt}: ${s.message}` }];
      if (s.attempt > this.maxRetries) {
        this.failure = `the model kept failing (${s.message}); gave up after ${s.attempt} retries`;
        return { events, abort: true };
      }
      return { events };
    }
    if (s?.type === "busy" && this.degraded) {
      this.degraded = false;
      return { events: [{ type: "recovered" }] };
    }
    return { events: [] };
  }
}

/**
 * Tool input and output go into the session log for the Glass Box, bounded: a file dump or a long build log
 * is cut to its first 8 KiB, saying so, so one tool call cannot bloat the log.
 */
const limit = 8192;
const clip = (t: string) =>
  t.length > limit ? `${t.slice(0, limit)}\n… (${t.length - limit} more characters)` : t;
function bounded(input: unknown): unknown {
  const text = JSON.stringify(input);
  return text === undefined || text.length <= limit ? input : { truncated: clip(text) };
}

const pieceMs = 250;
const holdMs = 1000;

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : 0);
