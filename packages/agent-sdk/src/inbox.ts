import { ApiError, type Eap } from "@orchestrator/sdk";
import { backoff, sleep } from "./backoff.ts";
import { retryable } from "./rest.ts";

/** A person's message to the agent. */
export interface Message {
  id: string;
  author: string;
  text: string;
  createdAt: string;
}

export const toMessage = (m: Eap.Said): Message => ({
  id: m.id,
  author: m.author,
  text: m.text,
  createdAt: m.created_at,
});

/** The question was not answered: a person rejected it (their words in `message`), or no one came in time. */
export class Unanswered extends Error {
  readonly status: Eap.Answered["status"];
  constructor(a: Eap.Answered) {
    super(a.message ?? `the question was ${a.status === "answered" ? "rejected" : a.status}`);
    this.name = "Unanswered";
    this.status = a.status;
  }
}

export type Read = (body: Eap.Inbox, signal: AbortSignal) => Promise<Eap.InboxReply>;

/**
 * One task's inbox, read by one long-poll at a time while anyone waits on it: a question's answer, or
 * the handler's message listener. Messages are acknowledged on the next read, so one lost with its reply
 * comes again (each is handed to the listener once). A new question restarts the poll, so the server
 * listens for its answer at once.
 */
export class Inbox {
  private readonly read: Read;
  private readonly attempt: number;
  private readonly signal: AbortSignal;
  private readonly lost: (why: string) => void;
  private readonly log: (message: string) => void;
  private readonly asked = new Map<
    string,
    { resolve: (a: Eap.Answered) => void; reject: (e: Error) => void }
  >();
  private readonly listeners: ((m: Message) => unknown)[] = [];
  private readonly seen = new Set<string>();
  private ack: string[] = [];
  private loop: Promise<void> | null = null;
  private poll: AbortController | null = null;

  constructor(
    read: Read,
    attempt: number,
    signal: AbortSignal,
    lost: (why: string) => void,
    log: (message: string) => void,
  ) {
    this.read = read;
    this.attempt = attempt;
    this.signal = signal;
    this.lost = lost;
    this.log = log;
  }

  /** Resolves with the answer to the question asked under `id` (already sent as an event). */
  answer(id: string): Promise<Eap.Answered> {
    return new Promise((resolve, reject) => {
      this.asked.set(id, { resolve, reject });
      this.poll?.abort(); // read again with this id, so the server listens for its answer
      this.start();
    });
  }

  /** Hand each message a person sends to the task to `fn`, in order, while the task runs. */
  listen(fn: (m: Message) => unknown): void {
    this.listeners.push(fn);
    this.start();
  }

  /** Acknowledge what was handed over, so the orchestrator does not keep it for the next round. */
  async settle(): Promise<void> {
    this.listeners.length = 0;
    this.poll?.abort();
    await this.loop;
    if (!this.ack.length || this.signal.aborted) return;
    await this.read({ attempt: this.attempt, wait: 0, ack: this.ack }, this.signal).then(
      () => (this.ack = []),
      () => {}, // unacknowledged messages open the next round: said, not lost
    );
  }

  private start(): void {
    this.loop ??= this.run()
      .catch((err: Error) => this.log(`inbox: ${err.message}`))
      .finally(() => (this.loop = null));
  }

  private async run(): Promise<void> {
    for (let n = 0; (this.asked.size || this.listeners.length) && !this.signal.aborted;) {
      this.poll = new AbortController();
      const signal = AbortSignal.any([this.poll.signal, this.signal]);
      const body = { attempt: this.attempt, wait: 25, ack: this.ack, questions: [...this.asked.keys()] };
      let reply: Eap.InboxReply;
      try {
        reply = await this.read(body, signal);
        n = 0;
      } catch (err) {
        if (this.signal.aborted) break;
        if (this.poll.signal.aborted) continue;
        if (err instanceof ApiError && err.status === 409) return this.lost("lease_lost");
        if (!retryable(err)) {
          for (const q of this.asked.values()) q.reject(err as Error);
          this.asked.clear();
          throw err;
        }
        await sleep(backoff(n++), this.signal);
        continue;
      }
      this.ack = [];
      for (const a of reply.answers) {
        this.asked.get(a.id)?.resolve(a);
        this.asked.delete(a.id);
      }
      for (const m of reply.messages) {
        this.ack.push(m.id);
        if (this.seen.has(m.id)) continue;
        this.seen.add(m.id);
        for (const fn of this.listeners)
          await Promise.resolve()
            .then(() => fn(toMessage(m)))
            .catch((err: Error) => this.log(`message listener failed: ${err.message}`));
      }
    }
    for (const q of this.asked.values()) q.reject(new Error(`task stopped: ${String(this.signal.reason)}`));
    this.asked.clear();
  }
}
