import { z } from "zod";
import { ApiError, ErrorBody } from "./error.ts";
import { Envelope, type Event, isEvent } from "./event.ts";
import {
  type Action,
  CancelResults,
  type Create,
  type ListQuery,
  Page,
  Session,
  type Update,
  terminal,
} from "./session.ts";
import { Stats, type StatsQuery } from "./stats.ts";
import * as Sse from "./sse.ts";
import { type Answer, Approval } from "./approval.ts";
import { CheckpointItem, type Fork } from "./checkpoint.ts";
import { Profile } from "./profile.ts";
import {
  Agent,
  type AgentCreate,
  AgentList,
  type AgentPatch,
  AgentPreview,
  type AgentQuery,
  Diagnostics,
} from "./agent.ts";
import * as Eap from "./eap.ts";
import { Live, Me } from "./key.ts";
import { Attention } from "./attention.ts";
import { Messages, type ReviewCommentInput, Sent } from "./message.ts";
import { Landed, PullRequest, Pushed } from "./land.ts";
import { contexts } from "./context-client.ts";
import { webhooks } from "./webhook-client.ts";
import { type CreateProject, Project, type UpdateProject, Worktree } from "./project.ts";
import * as Plan from "./plan.ts";
import { Diff, Rounds } from "./diff.ts";

export interface ClientOptions {
  /** Base URL of the server, e.g. http://127.0.0.1:7420 */
  url: string;
  /** API key; omitted only against a server in dev-no-auth mode. */
  key?: string;
  fetch?: typeof fetch;
}

const ProfileList = z.object({ items: z.array(Profile), default: z.string() });
const ProjectList = z.object({ items: z.array(Project) });
const WorktreeList = z.object({ items: z.array(Worktree) });
const ApprovalList = z.object({ items: z.array(Approval) });
const CheckpointList = z.object({ items: z.array(CheckpointItem) });
const Capabilities = z.object({ groups: z.record(z.string(), z.array(z.string())) });
// A page of events, each checked by its shape (isEvent): a replay reads thousands.
const EventItems = z.object({ items: z.array(z.custom<Event>(isEvent, "not an event")) });
const Deregistered = z.object({ status: z.enum(["draining", "deregistered"]), tasks: z.number() });

/** How to follow a log (a session's events, a plan's): replayed from `after`, then live. */
export interface Follow<E> {
  /** Deliver events with seq greater than this (0, the default, replays the whole log). */
  after?: number;
  /** Aborting ends the follow; `follow` then resolves normally. */
  signal?: AbortSignal;
  onEvent: (event: E) => void | Promise<void>;
  /** Return true to stop after this event, e.g. `endsSession`. */
  until?: (event: E) => boolean;
  /** Told before each reconnection attempt, with why the last connection ended. */
  onReconnect?: (info: { error: unknown; delayMs: number; after: number }) => void;
  /**
   * Reconnect when nothing (not even a keep-alive, sent every 15 s) arrives for this long: a silently
   * dead connection otherwise hangs forever.
   */
  idleMs?: number;
}

export type FollowOptions = Follow<Event>;

/** True for a plan.status event that enters an ended state. */
export const endsPlan = (e: Plan.PlanEvent): boolean =>
  e.type === "plan.status" && Plan.planEnded.includes(e.data.to);

/** Reconnection backoff: 250 ms doubling to 5 s, reset whenever a connection delivers something. */
const backoff = { firstMs: 250, maxMs: 5_000 };

/** True for a session.status event that enters a terminal status. */
export const endsSession = (e: Event): e is Event<"session.status"> =>
  e.type === "session.status" && terminal.includes(e.data.to);

export type Client = ReturnType<typeof createClient>;

export function createClient(opts: ClientOptions) {
  const base = opts.url.replace(/\/+$/, "");
  const fetcher = opts.fetch ?? fetch;
  const auth: Record<string, string> = opts.key ? { authorization: `Bearer ${opts.key}` } : {};

  async function send(
    method: string,
    path: string,
    init: { body?: unknown; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...auth, ...init.headers };
    if (init.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetcher(base + path, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
        signal: init.signal,
      });
    } catch (err) {
      if (init.signal?.aborted) throw err;
      throw unreachable(base, err);
    }
    if (!res.ok) throw await failure(res);
    return res;
  }

  async function call<T extends z.ZodType>(
    schema: T,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<z.output<T>> {
    const res = await send(method, path, { body, ...(headers ? { headers } : {}) });
    let json: unknown;
    try {
      json = await res.json();
    } catch (err) {
      throw unreachable(base, err);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new ApiError(
        res.status,
        "bad_response",
        `unexpected response from ${method} ${path}: ${parsed.error.message}`,
        json,
      );
    return parsed.data;
  }

  const at = (id: string) => `/api/v1/sessions/${encodeURIComponent(id)}`;
  const agent = (id: string) => `/api/v1/agents/${encodeURIComponent(id)}`;
  const project = (name: string) => `/api/v1/projects/${encodeURIComponent(name)}`;
  const plan = (id: string) => `/api/v1/plans/${encodeURIComponent(id)}`;
  const act =
    (action: Action) =>
    (id: string, opts: { reason?: string } = {}) =>
      call(
        Session,
        "POST",
        `${at(id)}/${action}`,
        opts.reason === undefined ? undefined : { reason: opts.reason },
      );

  /**
   * Follow an SSE log at `path`: Last-Event-ID is the log's seq, so the server replays from just after
   * it, then goes live; reconnects (with backoff) resume where the last connection stopped.
   */
  async function stream<E extends { seq: number }>(
    path: string,
    parse: (status: number, data: string) => E,
    o: Follow<E>,
  ): Promise<{ after: number; ended: boolean }> {
    let after = o.after ?? 0;
    let delay = backoff.firstMs;
    let callerError: unknown;
    const deliver = async (event: E) => {
      try {
        await o.onEvent(event);
      } catch (err) {
        callerError = err;
        throw err;
      }
    };
    while (!o.signal?.aborted) {
      const conn = new AbortController();
      const stop = () => conn.abort();
      o.signal?.addEventListener("abort", stop, { once: true });
      let idle: ReturnType<typeof setTimeout> | undefined;
      const touch = () => {
        clearTimeout(idle);
        idle = setTimeout(
          () => conn.abort(new Error(`no data for ${o.idleMs ?? 45_000} ms`)),
          o.idleMs ?? 45_000,
        );
      };
      let error: unknown = new Error("the server closed the stream");
      try {
        touch();
        const res = await send("GET", path, {
          headers: { accept: "text/event-stream", "last-event-id": String(after) },
          signal: conn.signal,
        });
        if (!res.body) throw new ApiError(res.status, "bad_response", "event stream without a body");
        for await (const msg of Sse.messages(res.body, touch)) {
          delay = backoff.firstMs;
          if (!msg.data) continue;
          const event = parse(res.status, msg.data);
          // Replay and live delivery never overlap on the server, but a reconnect must not repeat either.
          if (event.seq <= after) continue;
          after = event.seq;
          await deliver(event);
          if (o.until?.(event)) return { after, ended: true };
        }
      } catch (err) {
        if (err === callerError || !retryable(err)) throw err;
        error = err;
      } finally {
        clearTimeout(idle);
        o.signal?.removeEventListener("abort", stop);
        conn.abort();
      }
      if (o.signal?.aborted) break;
      o.onReconnect?.({ error, delayMs: delay, after });
      await sleep(delay, o.signal);
      delay = Math.min(delay * 2, backoff.maxMs);
    }
    return { after, ended: false };
  }

  const follow = (id: string, o: FollowOptions) => stream(`${at(id)}/events`, parseEvent, o);

  return {
    url: base,
    /** Who the key is (tenant, role, name): a sign-in check. */
    me: () => call(Me, "GET", "/api/v1/me"),
    /** Whether the server is up and asks for keys (`auth: "off"` in development); needs no key. */
    live: () => call(Live, "GET", "/health/live"),
    /** What needs a person, ranked: approvals, stalled, failed, then finished sessions to review. */
    attention: () => call(Attention, "GET", "/api/v1/attention"),
    sessions: {
      create: (input: Create) => call(Session, "POST", "/api/v1/sessions", input),
      get: (id: string) => call(Session, "GET", at(id)),
      list: (query: ListQuery = {}) => call(Page, "GET", `/api/v1/sessions${search(query)}`),
      update: (id: string, patch: Update) => call(Session, "PATCH", at(id), patch),
      remove: async (id: string): Promise<void> => {
        await send("DELETE", at(id));
      },
      /** Counts by status, the last hour per minute, and totals per UTC day, project and agent. */
      stats: (query: StatsQuery = {}) => call(Stats, "GET", `/api/v1/sessions/stats${search(query)}`),
      start: act("start"),
      cancel: act("cancel"),
      stop: act("stop"),
      pause: act("pause"),
      resume: act("resume"),
      retry: act("retry"),
      /** A follow-up to an ended session: it is queued for a new round on the same branch and conversation. */
      /** Merge a finished session's branch into its base branch, when safe (409 says why not). */
      merge: (id: string) => call(Landed, "POST", `${at(id)}/merge`),
      /** Push a finished session's branch to its project's remote (502 when the remote refuses). */
      push: (id: string) => call(Pushed, "POST", `${at(id)}/push`),
      /** Push, then open (or find the open) pull request for the branch on GitHub or GitLab. */
      openPullRequest: (id: string) => call(PullRequest, "POST", `${at(id)}/pull-request`),
      /** The session's pull request with its state read again from the forge (404 when none). */
      pullRequest: (id: string) => call(PullRequest, "GET", `${at(id)}/pull-request`),
      /** The session's rounds (its first run, then one per follow-up), each with its diff's size. */
      rounds: async (id: string) => (await call(Rounds, "GET", `${at(id)}/rounds`)).items,
      /** The session's diff against its base, or one round's (`round`, 1 for the first). */
      diff: (id: string, q: { round?: number } = {}) => call(Diff, "GET", `${at(id)}/diff${search(q)}`),
      /** Tell the agent more: read at its next turn, at once with `steer`, or as a new round once ended. */
      send: (id: string, text: string, opts: { steer?: boolean; comments?: ReviewCommentInput[] } = {}) =>
        call(Sent, "POST", `${at(id)}/messages`, {
          text,
          ...(opts.steer ? { steer: true } : {}),
          ...(opts.comments?.length ? { comments: opts.comments } : {}),
        }),
      /** A session's follow-up messages, oldest first. */
      messages: async (id: string) => (await call(Messages, "GET", `${at(id)}/messages`)).items,
      /** Mark an ended session reviewed (it leaves the attention queue); doing it again changes nothing. */
      review: (id: string) => call(Session, "POST", `${at(id)}/review`),
      /** Cancel up to 200 sessions; each gets its own result instead of one failure failing all. */
      cancelMany: async (ids: string[], opts: { reason?: string } = {}) =>
        (
          await call(CancelResults, "POST", "/api/v1/sessions/cancel", {
            ids,
            ...(opts.reason === undefined ? {} : { reason: opts.reason }),
          })
        ).results,
    },
    events: {
      list: async (id: string, q: { after?: number; limit?: number } = {}) =>
        (await call(EventItems, "GET", `${at(id)}/events${search(q)}`)).items,
      follow,
    },
    agents: {
      list: async (query: z.input<typeof AgentQuery> = {}) =>
        (await call(AgentList, "GET", `/api/v1/agents${search(query)}`)).items,
      get: (id: string) => call(Agent, "GET", agent(id)),
      diagnostics: (id: string) => call(Diagnostics, "GET", `${agent(id)}/diagnostics`),
      /** Register an A2A agent by its Agent Card URL. */
      create: (input: AgentCreate) => call(Agent, "POST", "/api/v1/agents", input),
      /** What `create` would register from this card, without saving anything. */
      preview: (cardUrl: string, opts: Omit<AgentCreate, "kind" | "cardUrl"> = {}) =>
        call(AgentPreview, "POST", "/api/v1/agents/preview", { kind: "a2a", cardUrl, ...opts }),
      update: (id: string, patch: AgentPatch) => call(Agent, "PATCH", agent(id), patch),
      /** Finish held tasks, take no new ones. `update(id, { status: "online" })` undoes it. */
      drain: (id: string) => call(Agent, "PATCH", agent(id), { status: "draining" }),
      /** Deregister an external agent: drain first (default), or hand its tasks back now. */
      remove: (id: string, opts: { graceful?: boolean } = {}) =>
        call(Deregistered, "DELETE", `${agent(id)}${search({ graceful: opts.graceful })}`),
      /** Register an EAP agent; the token and signing secret are in the answer only. */
      register: (input: Eap.Register) =>
        call(Eap.Registered, "POST", "/api/v1/agents/external/register", input),
      /** New token and signing secret for an EAP agent (admin key); the old ones stop working at once. */
      rotate: (id: string) => call(Eap.Rotated, "POST", `${agent(id)}/token/rotate`),
    },
    capabilities: {
      /** The capability vocabulary by group; custom ones are spelled x-…. */
      list: async () => (await call(Capabilities, "GET", "/api/v1/capabilities")).groups,
    },
    profiles: {
      /** The profiles, and the name of the one used when a session names none. */
      list: () => call(ProfileList, "GET", "/api/v1/profiles"),
    },
    projects: {
      create: (input: CreateProject) => call(Project, "POST", "/api/v1/projects", input),
      list: async () => (await call(ProjectList, "GET", "/api/v1/projects")).items,
      get: (name: string) => call(Project, "GET", project(name)),
      update: (name: string, patch: UpdateProject) => call(Project, "PATCH", project(name), patch),
      remove: async (name: string): Promise<void> => {
        await send("DELETE", project(name));
      },
      worktrees: async (name: string) =>
        (await call(WorktreeList, "GET", `${project(name)}/worktrees`)).items,
    },
    approvals: {
      /** The tenant's approvals, newest first; `{ status: "pending" }` is the inbox. */
      list: async (q: { status?: Approval["status"]; limit?: number } = {}) =>
        (await call(ApprovalList, "GET", `/api/v1/approvals${search(q)}`)).items,
      forSession: async (id: string, q: { status?: Approval["status"] } = {}) =>
        (await call(ApprovalList, "GET", `${at(id)}/approvals${search(q)}`)).items,
      get: (id: string) => call(Approval, "GET", `/api/v1/approvals/${encodeURIComponent(id)}`),
      answer: (id: string, a: Answer) =>
        call(Approval, "POST", `/api/v1/approvals/${encodeURIComponent(id)}`, a),
    },
    plans: {
      create: (input: Plan.CreatePlan) => call(Plan.View, "POST", "/api/v1/plans", input),
      /** The heuristics' draft and why; nothing is stored. */
      decompose: (input: Plan.DecomposeRequest) =>
        call(Plan.Decomposition, "POST", "/api/v1/plans/decompose", input),
      /** A draft whose graph a planning session's answer fills. */
      planner: (input: Plan.PlannerRequest) => call(Plan.View, "POST", "/api/v1/plans/planner", input),
      list: (q: { status?: Plan.PlanStatus; limit?: number; cursor?: string } = {}) =>
        call(Plan.Page, "GET", `/api/v1/plans${search(q)}`),
      get: (id: string) => call(Plan.View, "GET", plan(id)),
      /** Replace a draft's graph. */
      replace: (id: string, input: Plan.CreatePlan) => call(Plan.View, "PUT", plan(id), input),
      act: (id: string, action: "start" | "cancel" | "pause" | "resume") =>
        call(Plan.View, "POST", `${plan(id)}/${action}`),
      /** Add a task to a draft or running plan; it starts once the tasks in `blockedBy` have finished. */
      add: (id: string, task: Plan.TaskAdd) => call(Plan.Task, "POST", `${plan(id)}/tasks`, task),
      /** Change a task that has not started. */
      change: (id: string, key: string, change: Plan.TaskUpdate) =>
        call(Plan.Task, "PATCH", `${plan(id)}/tasks/${encodeURIComponent(key)}`, change),
      task: (id: string, key: string, action: "retry" | "skip") =>
        call(Plan.View, "POST", `${plan(id)}/tasks/${encodeURIComponent(key)}/${action}`),
      /** Merge a finished plan's integration branch into its base branch, only when safe (docs/landing.md). */
      merge: (id: string) => call(Landed, "POST", `${plan(id)}/merge`),
      /** Push the integration branch to the plan's project's remote. */
      push: (id: string) => call(Pushed, "POST", `${plan(id)}/push`),
      /** Push, then open (or find) the integration branch's pull request on GitHub or GitLab. */
      openPullRequest: (id: string) => call(PullRequest, "POST", `${plan(id)}/pull-request`),
      /** The plan's pull request, its state read again from the forge. */
      pullRequest: (id: string) => call(PullRequest, "GET", `${plan(id)}/pull-request`),
      /** The integration branch against its base (404 while there is none). */
      diff: (id: string) => call(Diff, "GET", `${plan(id)}/diff`),
      /** A page of the plan's own log (plan.created, plan.status, task.status …), in seq order. */
      events: async (id: string, q: { after?: number; limit?: number; type?: Plan.PlanEventType } = {}) =>
        (await call(PlanEvents, "GET", `${plan(id)}/events${search(q)}`)).items,
      /** Follow the plan's log live (replayed from `after`); `until: endsPlan` stops when it ends. */
      follow: (id: string, o: Follow<Plan.PlanEvent>) => stream(`${plan(id)}/events`, parsePlanEvent, o),
    },
    /** Shared context documents (docs/context.md). */
    contexts: contexts(call),
    /** Outbound webhooks (docs/webhooks.md); admin keys only. */
    webhooks: webhooks(call, async (path) => void (await send("DELETE", path))),
    checkpoints: {
      list: async (id: string) => (await call(CheckpointList, "GET", `${at(id)}/checkpoints`)).items,
      restore: (id: string, seq: number) => call(Session, "POST", `${at(id)}/checkpoints/${seq}/restore`),
      fork: (id: string, seq: number, input: Fork = {}) =>
        call(Session, "POST", `${at(id)}/checkpoints/${seq}/fork`, input),
    },
  };
}

/** Network errors, timeouts and 5xx may heal on reconnecting; 4xx (unknown session, bad key) will not. */
const retryable = (err: unknown): boolean =>
  !(err instanceof ApiError) ||
  err.status === 0 ||
  err.status >= 500 ||
  err.status === 408 ||
  err.status === 429;

function parseEvent(status: number, data: string): Event {
  try {
    // The envelope only: an entry of a type this SDK does not know (a newer server's) passes through.
    return Envelope.parse(JSON.parse(data)) as Event;
  } catch (err) {
    throw new ApiError(
      status,
      "bad_response",
      `unreadable event in the stream: ${(err as Error).message}`,
      data.slice(0, 500),
    );
  }
}

// The envelope only, as for sessions' events: an entry of a type this SDK does not know passes through.
const PlanEnvelope = z.object({
  id: z.number(),
  planId: z.string(),
  seq: z.number(),
  type: z.string(),
  at: z.string(),
  data: z.unknown(),
});
const PlanEvents = z.object({
  items: z.array(z.custom<Plan.PlanEvent>((v) => PlanEnvelope.safeParse(v).success)),
});

function parsePlanEvent(status: number, data: string): Plan.PlanEvent {
  try {
    return PlanEnvelope.parse(JSON.parse(data)) as Plan.PlanEvent;
  } catch (err) {
    throw new ApiError(
      status,
      "bad_response",
      `unreadable plan event: ${(err as Error).message}`,
      data.slice(0, 500),
    );
  }
}

function search(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    params.set(k, Array.isArray(v) ? v.join(",") : String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** The server's error body when it sent one; otherwise the status line (e.g. a proxy's HTML page). */
async function failure(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => "");
  try {
    const { error } = ErrorBody.parse(JSON.parse(text));
    return new ApiError(res.status, error.code, error.message, error.details);
  } catch {
    return new ApiError(
      res.status,
      res.status >= 500 ? "internal" : "http_error",
      `HTTP ${res.status} ${res.statusText}`.trim(),
      text.slice(0, 500) || undefined,
    );
  }
}

function unreachable(url: string, err: unknown): ApiError {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new ApiError(0, "unreachable", `cannot reach ${url}: ${why}`);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
