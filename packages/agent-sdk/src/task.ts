import { ApiError, type Eap } from "@orchestrator/sdk";
import { backoff, sleep } from "./backoff.ts";
import { retryable } from "./rest.ts";
import { Inbox, type Message, Unanswered, toMessage } from "./inbox.ts";
import type { Shared } from "./shared.ts";

/** What an agent reports through, whatever carries it (REST or gRPC). */
export interface Link {
  heartbeat(body: Eap.Heartbeat): Promise<Eap.HeartbeatReply>;
  deregister(graceful: boolean, reason?: string): Promise<{ status: string; tasks: number }>;
  events(task: string, attempt: number, events: Eap.Event[]): Promise<unknown>;
  result(task: string, body: Eap.Result): Promise<{ status: string; session_status: string }>;
  inbox(task: string, body: Eap.Inbox, signal: AbortSignal): Promise<Eap.InboxReply>;
}

/** A question for a person: its words, and optionally choices (they may still answer in their own). */
export interface Question {
  question: string;
  header?: string;
  options?: { label: string; description?: string }[];
  multiple?: boolean;
  /** Then it counts as rejected (default 3600). */
  timeoutSeconds?: number;
}

/** One assignment, as the handler sees it. */
export interface Task {
  id: string;
  attempt: number;
  sessionId: string;
  type: string;
  title: string;
  /** The prompt. */
  input: string;
  requirements: string[];
  workspace: { repo: string; ref?: string } | null;
  metadata: Record<string, unknown>;
  /** What the last attempt saved with `ctx.checkpoint`, when this attempt resumes it. */
  checkpoint: unknown;
  timeoutSeconds: number;
  deadline: string | null;
  /** This attempt's session credential (Bearer for shared context, the plan's tasks and /mcp); `ctx.shared` uses it. */
  credential: string | null;
  /**
   * People's messages of this round, oldest first: when a person's follow-up to the ended session opened
   * this round, the last one is what they ask now (`input` stays the session's first prompt).
   */
  messages: Message[];
  /** Aborts when the task is no longer this agent's (cancelled, timed out, reassigned) or the agent stops now. */
  signal: AbortSignal;
}

export const toTask = (a: Eap.Assignment, signal: AbortSignal): Task => ({
  id: a.task_id,
  attempt: a.attempt,
  sessionId: a.session_id,
  type: a.task_type,
  title: a.title,
  input: a.input_data,
  requirements: a.requirements,
  workspace: a.context.workspace,
  metadata: a.context.metadata,
  checkpoint: a.context.checkpoint,
  timeoutSeconds: a.timeout_seconds,
  deadline: a.deadline,
  credential: a.credential ?? null,
  messages: (a.messages ?? []).map(toMessage),
  signal,
});

/** What a handler returns: a string is shorthand for `{ output: string }`. */
export type Outcome =
  | string
  | void
  | {
      output?: unknown;
      artifacts?: { path: string; content: string; mimeType?: string }[];
      /** Some of the work is done, not all of it. */
      partial?: boolean;
      tokens?: number;
      costUsd?: number;
    };

/** Throw it to fail the task; `retryable: false` tells the orchestrator another attempt is pointless. */
export class TaskFailed extends Error {
  readonly retryable: boolean;
  constructor(message: string, opts: { retryable?: boolean } = {}) {
    super(message);
    this.name = "TaskFailed";
    this.retryable = opts.retryable ?? true;
  }
}

/**
 * Reports one task's progress, in order. Events are batched while a send is in flight; a send that cannot
 * reach the server is retried with backoff; a 409 means the task is no longer ours, so it aborts the task.
 */
export class Context {
  private queue: Eap.Event[] = [];
  private sending: Promise<void> = Promise.resolve();
  private readonly link: Link;
  private readonly task: Task;
  private readonly lost: (why: string) => void;
  /**
   * The task's shared context and its plan's tasks on the orchestrator (shared.ts); null when the
   * assignment carries no credential (an orchestrator older than shared context).
   */
  readonly shared: Shared | null;
  private readonly inbox: Inbox;
  constructor(
    link: Link,
    task: Task,
    lost: (why: string) => void,
    shared: Shared | null = null,
    log: (message: string) => void = () => {},
  ) {
    this.link = link;
    this.task = task;
    this.lost = lost;
    this.shared = shared;
    this.inbox = new Inbox((b, s) => link.inbox(task.id, b, s), task.attempt, task.signal, lost, log);
  }

  /**
   * Ask a person and wait for the answer: the session shows `waiting` with the question in the attention
   * queue meanwhile. Resolves with the answer (chosen labels joined by ", "); throws `Unanswered` when the
   * person rejects it (with their words) or no one answers in time.
   */
  async ask(q: string | Question): Promise<string> {
    const a = await this.question(typeof q === "string" ? { question: q } : q);
    if (a.rejected) throw new Unanswered(a);
    return a.answers.join(", ");
  }

  /** Ask, and get the whole answer back (each chosen label, or the rejection) instead of a throw. */
  async question(q: Question): Promise<Eap.Answered> {
    const id = crypto.randomUUID();
    await this.send({
      type: "question",
      id,
      question: q.question,
      ...(q.header ? { header: q.header } : {}),
      options: q.options ?? [],
      ...(q.multiple === undefined ? {} : { multiple: q.multiple }),
      ...(q.timeoutSeconds ? { timeout_seconds: q.timeoutSeconds } : {}),
    });
    this.task.signal.throwIfAborted();
    return this.inbox.answer(id);
  }

  /**
   * Hear people's messages while the task runs (follow-ups sent to the running session), each once, in
   * order. Messages no listener took before the task ends open the session's next round instead.
   */
  onMessage(fn: (m: Message) => unknown): void {
    this.inbox.listen(fn);
  }

  message = (text: string) => this.send({ type: "message", text });
  log = (text: string, level: "info" | "warn" | "error" = "info") => this.send({ type: "log", level, text });
  progress = (done: number, total: number) => this.send({ type: "progress", done, total });
  artifact = (name: string, content: string) => this.send({ type: "artifact", name, content });
  /** Saved with the session: a retry of this task starts with it in `task.checkpoint`. */
  checkpoint = (data: unknown) => this.send({ type: "checkpoint", data });
  usage = (u: { input: number; output: number; reasoning?: number; cost?: number }) =>
    this.send({ type: "usage", ...u });

  /** Resolves once the event (and all before it) reached the orchestrator, or the task was lost. */
  send(event: Eap.Event): Promise<void> {
    this.queue.push(event);
    this.sending = this.sending.then(() => this.flush());
    return this.sending;
  }

  private async flush(): Promise<void> {
    for (let n = 0; this.queue.length && !this.task.signal.aborted;) {
      const batch = this.queue.slice(0, 100);
      try {
        await this.link.events(this.task.id, this.task.attempt, batch);
        this.queue.splice(0, batch.length);
        n = 0;
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) return this.lost("lease_lost");
        if (!retryable(err)) throw err;
        await sleep(backoff(n++), this.task.signal);
      }
    }
  }

  /** Every event sent, then the result, retried until the orchestrator answers. */
  async finish(body: Eap.Result): Promise<void> {
    await this.sending.catch(() => {});
    await this.inbox.settle();
    for (let n = 0; !this.task.signal.aborted;) {
      try {
        await this.link.result(this.task.id, body);
        return;
      } catch (err) {
        if (err instanceof ApiError && err.status === 409) return this.lost("lease_lost");
        if (!retryable(err)) throw err;
        await sleep(backoff(n++), this.task.signal);
      }
    }
  }
}

/** The wire result for what a handler returned or threw. */
export function toResult(attempt: number, out: Outcome | Error, ms: number): Eap.Result {
  if (out instanceof Error)
    return {
      attempt,
      status: "failed",
      error_message: out.message || out.name,
      retryable: out instanceof TaskFailed ? out.retryable : true,
      execution_time_ms: ms,
    };
  const o = typeof out === "string" ? { output: out } : (out ?? {});
  return {
    attempt,
    status: o.partial ? "partial" : "completed",
    output_data: o.output,
    artifacts: (o.artifacts ?? []).map((a) => ({
      path: a.path,
      content: a.content,
      mime_type: a.mimeType ?? "text/plain",
    })),
    execution_time_ms: ms,
    tokens_used: o.tokens ?? 0,
    cost_usd: o.costUsd ?? 0,
  };
}
