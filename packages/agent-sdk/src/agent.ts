import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { ApiError, type Eap } from "@orchestrator/sdk";
import { backoff, sleep } from "./backoff.ts";
import { type Listen, listen } from "./push.ts";
import { type Credentials, Rest, retryable } from "./rest.ts";
import { Shared } from "./shared.ts";
import { type Link, type Outcome, type Task, Context, toResult, toTask } from "./task.ts";

export interface Options {
  /** The orchestrator, e.g. http://127.0.0.1:8080. */
  url: string;
  name: string;
  capabilities: string[];
  /** Registers the agent (once) with this API key, unless `credentials` are given. */
  apiKey?: string;
  /** An existing registration (e.g. made in the dashboard). */
  credentials?: Credentials;
  /** Keep the registration here (mode 0600) so a restarted agent is the same agent. */
  credentialsFile?: string;
  mode?: "pull" | "push" | "stream";
  capacity?: number;
  version?: string;
  description?: string;
  metadata?: Record<string, unknown>;
  /** push mode: where to listen for assignments. */
  listen?: Listen;
  /** stream mode: the orchestrator's gRPC address, host:port. */
  grpc?: string;
  log?: (level: "info" | "warn" | "error", message: string) => void;
  fetch?: typeof fetch;
}

export type Handler = (task: Task, ctx: Context) => Promise<Outcome> | Outcome;

/** Where assignments come from: a long-poll, a push listener, or a gRPC stream. */
export interface Source {
  stop(): Promise<void>;
  /** What reports travel over, when the source carries them itself (the gRPC stream). */
  link?: Link;
}
export type Start = (agent: Agent, take: (a: Eap.Assignment) => boolean) => Promise<Source>;

/**
 * An EAP agent: registers (or reuses a registration), heartbeats, takes tasks up to its capacity, runs the
 * handler for each, and reports events and the result. Network failures are retried with backoff, so the
 * agent rides out an orchestrator restart.
 */
export class Agent {
  readonly opts: Options;
  readonly rest: Rest;
  readonly capacity: number;
  link!: Link;
  credentials: Credentials | null = null;
  private handler: Handler = () => {
    throw new Error("no handler: call agent.handle(fn) before start()");
  };
  private readonly running = new Map<string, { attempt: number; ctrl: AbortController }>();
  private readonly freed: (() => void)[] = [];
  private readonly stopping = new AbortController();
  private source: Source | null = null;
  private beat: NodeJS.Timeout | null = null;
  private intervalMs = 10_000;
  private ready!: (c: Credentials) => void;
  private readonly registered = new Promise<Credentials>((r) => (this.ready = r));

  constructor(opts: Options) {
    this.opts = opts;
    this.rest = new Rest(opts.url, opts.fetch);
    this.capacity = opts.capacity ?? 5;
  }

  handle(fn: Handler): this {
    this.handler = fn;
    return this;
  }

  get mode() {
    return this.opts.mode ?? "pull";
  }
  get load() {
    return this.running.size;
  }
  get signal() {
    return this.stopping.signal;
  }
  log(level: "info" | "warn" | "error", message: string) {
    (this.opts.log ?? ((l, m) => console[l === "info" ? "log" : l](`[${this.opts.name}] ${m}`)))(
      level,
      message,
    );
  }

  async start(): Promise<Credentials> {
    const take = (a: Eap.Assignment) => this.take(a);
    const start: Start =
      this.mode === "push" ? startPush : this.mode === "stream" ? await streamStarter() : startPull;
    if (this.mode === "push") this.source = await start(this, take);
    const c = await this.connect();
    this.link = restLink(this.rest, c);
    this.ready(c);
    if (this.mode !== "push") this.source = await start(this, take);
    if (this.source?.link) this.link = this.source.link;
    await this.heartbeat();
    this.log("info", `online as ${c.agentId} (${this.mode}, capacity ${this.capacity})`);
    return c;
  }

  /** Reuse a registration if we have one, else register; retried while the orchestrator is unreachable. */
  private async connect(): Promise<Credentials> {
    const file = this.opts.credentialsFile;
    const saved = this.opts.credentials ?? (file && existsSync(file) ? readCredentials(file) : null);
    if (saved) {
      this.credentials = saved;
      return saved;
    }
    if (!this.opts.apiKey) throw new Error("an apiKey (to register) or credentials are needed");
    for (let n = 0; ; n++) {
      try {
        const r = await this.rest.register(this.opts.apiKey, {
          name: this.opts.name,
          capabilities: this.opts.capabilities,
          capacity: this.capacity,
          mode: this.mode,
          version: this.opts.version,
          description: this.opts.description,
          metadata: this.opts.metadata,
          endpoint_url: this.endpoint,
        });
        const c = { agentId: r.agent_id, token: r.auth_token, secret: r.signing_secret };
        this.intervalMs = r.heartbeat_interval_seconds * 1000;
        if (file)
          writeFileSync(file, JSON.stringify({ ...c, url: this.opts.url, name: this.opts.name }), {
            mode: 0o600,
          });
        this.credentials = c;
        return c;
      } catch (err) {
        if (!retryable(err)) throw err;
        this.log("warn", `register: ${(err as Error).message}; retrying`);
        await sleep(backoff(n), this.signal);
      }
    }
  }

  /** push mode sets this before registering. */
  endpoint: string | undefined;
  whoAmI = async () => {
    const c = await this.registered;
    return { agentId: c.agentId, secret: c.secret };
  };

  private async heartbeat(): Promise<void> {
    if (this.signal.aborted) return;
    try {
      const reply = await this.link.heartbeat({
        status: this.running.size >= this.capacity ? "busy" : "healthy",
        current_load: Math.min(1, this.running.size / this.capacity),
        tasks_in_progress: this.running.size,
        task_ids: [...this.running.keys()],
      });
      this.intervalMs = Math.min(this.intervalMs, (reply.heartbeat_ttl_seconds * 1000) / 3);
      this.cancel(reply.cancel, "cancelled");
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        this.log("error", "the orchestrator no longer knows this agent's token; stopping");
        void this.stop({ drain: false, deregister: false });
        return;
      }
      this.log("warn", `heartbeat: ${(err as Error).message}`);
    }
    if (!this.signal.aborted) this.beat = setTimeout(() => void this.heartbeat(), this.intervalMs);
  }

  /** Stop these tasks: the orchestrator says they are no longer ours. */
  cancel(ids: string[], why: string): void {
    for (const id of ids) this.running.get(id)?.ctrl.abort(why);
  }

  /** Whether there is room for one more task now. */
  get room(): boolean {
    return !this.signal.aborted && this.running.size < this.capacity;
  }

  /** Resolves when a running task ends (or the agent stops). */
  freedSlot(): Promise<void> {
    return new Promise((r) => this.freed.push(r));
  }

  /** Start an assignment unless there is no room; a repeat of one already running counts as taken. */
  take(a: Eap.Assignment): boolean {
    const held = this.running.get(a.task_id);
    if (held) return held.attempt === a.attempt;
    if (!this.room) return false;
    const ctrl = new AbortController();
    this.running.set(a.task_id, { attempt: a.attempt, ctrl });
    void this.run(a, ctrl).finally(() => {
      this.running.delete(a.task_id);
      this.freed.splice(0).forEach((r) => r());
    });
    return true;
  }

  private async run(a: Eap.Assignment, ctrl: AbortController): Promise<void> {
    const task = toTask(a, ctrl.signal);
    const timer = setTimeout(() => ctrl.abort("timeout"), a.timeout_seconds * 1000);
    const shared = a.credential
      ? new Shared(this.opts.url, a.credential, a.session_id, this.opts.fetch)
      : null;
    const ctx = new Context(
      this.link,
      task,
      (why) => ctrl.abort(why),
      shared,
      (m) => this.log("warn", `task ${a.task_id}: ${m}`),
    );
    const t0 = Date.now();
    let out: Outcome | Error;
    try {
      out = await this.handler(task, ctx);
    } catch (err) {
      out = err instanceof Error ? err : new Error(String(err));
    }
    try {
      if (!ctrl.signal.aborted) await ctx.finish(toResult(a.attempt, out, Date.now() - t0));
    } catch (err) {
      this.log("error", `task ${a.task_id}: could not report the result: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
    if (ctrl.signal.aborted) this.log("warn", `task ${a.task_id} ended: ${String(ctrl.signal.reason)}`);
  }

  /**
   * Leave. Draining (the default) takes no new work, finishes what is running, then deregisters;
   * otherwise running tasks are aborted and handed back to the queue at once.
   */
  async stop(opts: { drain?: boolean; timeoutMs?: number; deregister?: boolean } = {}): Promise<void> {
    if (this.signal.aborted) return;
    const drain = opts.drain ?? true;
    if (opts.deregister !== false && this.credentials)
      await this.link?.deregister(drain, "agent stopping").catch((e: Error) => this.log("warn", e.message));
    this.stopping.abort("stopping");
    await this.source?.stop();
    if (!drain) for (const r of this.running.values()) r.ctrl.abort("stopping");
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    while (this.running.size && Date.now() < deadline) await Promise.race([this.freedSlot(), sleep(200)]);
    if (this.beat) clearTimeout(this.beat);
    this.freed.splice(0).forEach((r) => r());
  }
}

const restLink = (rest: Rest, c: Credentials): Link => ({
  heartbeat: (b) => rest.heartbeat(c, b),
  deregister: (g, r) => rest.deregister(c, g, r),
  events: (t, a, e) => rest.events(c, t, a, e),
  result: (t, b) => rest.result(c, t, b),
  inbox: (t, b, s) => rest.inbox(c, t, b, s),
});

function readCredentials(file: string): Credentials {
  const c = JSON.parse(readFileSync(file, "utf8")) as Credentials;
  if (!c.agentId || !c.token) throw new Error(`${file} holds no agentId and token`);
  return c;
}

/** Pull: one long-poll at a time while there is room. */
const startPull: Start = async (agent, take) => {
  const done = (async () => {
    for (let n = 0; !agent.signal.aborted;) {
      if (!agent.room) {
        await Promise.race([agent.freedSlot(), sleep(1000, agent.signal)]);
        continue;
      }
      try {
        const a = await agent.rest.next(agent.credentials!, 25, agent.signal);
        n = 0;
        if (a) take(a);
      } catch (err) {
        if (agent.signal.aborted) break;
        agent.log("warn", `poll: ${(err as Error).message}`);
        await sleep(backoff(n++), agent.signal);
      }
    }
  })();
  return { stop: () => done };
};

const startPush: Start = async (agent, take) => {
  const l = await listen(agent.opts.listen ?? {}, agent.whoAmI, take);
  agent.endpoint = l.url;
  return { stop: l.close };
};

async function streamStarter(): Promise<Start> {
  return (await import("./stream.ts")).startStream;
}
