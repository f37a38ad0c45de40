import path from "node:path";
import { type OpencodeClient, createOpencodeClient } from "@opencode-ai/sdk/v2";
import { type Agent, type AgentEvent, Fatal, type RunInput } from "../agent.ts";
import { type Project, type Worktree, commit, diff, inspect, open, reset } from "../../workspace/worktree.ts";
import { git } from "../../workspace/git.ts";
import { AppError } from "../../error.ts";
import { runSetup } from "../../workspace/setup.ts";
import type { Pool } from "./pool.ts";
import { type Catalog, type Profile, demoProvider, rules } from "./profile.ts";
import { label as demoLabel } from "./demo-llm.ts";
import { type OcEvent, Mapper, tick } from "./events.ts";

export interface Deps {
  pool: Pool;
  profiles: Catalog;
  /** Where session worktrees live (`<dataDir>/worktrees`). */
  worktrees: string;
  /** An LLM that keeps failing is given up after this many OpenCode retries. */
  maxLlmRetries?: number;
  /** Our MCP endpoint as OpenCode reaches it (loopback), once we listen; without it sessions get no MCP. */
  mcpUrl?: () => string | null;
}

/** The MCP server's name in OpenCode: the model sees its tools as `orchestrator_<tool>`. */
export const mcpName = "orchestrator";

/** Where a session stands: its worktree commit and its OpenCode conversation. Saved as the checkpoint. */
export interface Position {
  worktree?: string;
  branch?: string;
  commit: string;
  opencodeSession: string | null;
  /** The last assistant message whose step the commit contains. */
  messageId: string | null;
  /** Set by a restore: the next run first rewinds the conversation (and worktree) to this point. */
  rewind?: boolean;
  /** Set by a fork: the next run forks this conversation at this message, then sends its own prompt. */
  forkOf?: { opencodeSession: string; messageId: string | null } | null;
}

const asPosition = (v: unknown): Position | null =>
  v && typeof v === "object" && typeof (v as Position).commit === "string" ? (v as Position) : null;

/**
 * Runs a session with a real OpenCode in the session's own git worktree: prompt_async, follow /event,
 * map tool calls, text, todos, usage and approvals into our log, checkpoint each step that changed files,
 * and end with the branch and its diff against the base. A retry resumes the same conversation in the
 * same worktree from the last checkpoint.
 */
export function create(deps: Deps): Agent {
  const names = deps.profiles.all().map((p) => p.name);
  const demo = deps.profiles.all().some((p) => p.model.startsWith(`${demoProvider}/`));
  return {
    name: "opencode",
    label: `OpenCode in a git worktree; profiles: ${names.join(", ")}${demo ? ` (demo: ${demoLabel})` : ""}`,
    capabilities: ["code", "opencode", "git"],
    health: async () => ({ ok: true, detail: `${deps.pool.servers().length} server(s) up` }),
    run: (input, signal) => run(deps, input, signal),
  };
}

async function* run(deps: Deps, input: RunInput, signal: AbortSignal): AsyncGenerator<AgentEvent> {
  const profile = (() => {
    try {
      return deps.profiles.get(input.profile);
    } catch (err) {
      throw new Fatal((err as Error).message, "profile_unknown");
    }
  })();
  const project = await projectFor(input);
  const wt = await open(project, input.sessionId, deps.worktrees).catch((err) => {
    // A dirty base or a branch in the way will not fix itself on a retry.
    if (err instanceof AppError) throw new Fatal(err.message, "workspace_invalid");
    throw err;
  });
  yield {
    type: "log",
    level: "info",
    text: `worktree ${wt.path} on branch ${wt.branch} (profile ${profile.name})`,
  };
  if (wt.how !== "reused" && project.setup) {
    yield { type: "log", level: "info", text: `setup: ${project.setup}` };
    const out = await runSetup(project.setup, wt.path, signal).catch((err: Error) => {
      throw new Fatal(err.message, "setup_failed");
    });
    if (out) yield { type: "log", level: "info", text: out };
  }

  const lease = await deps.pool.acquire(signal);
  lease.use(wt.path);
  const client = createOpencodeClient({
    baseUrl: lease.oc.url,
    directory: wt.path,
    headers: { authorization: lease.oc.auth },
  });
  try {
    const events = await client.event.subscribe();
    const last = asPosition(input.checkpoint);
    let sessionID: string | null = null;
    let resumed = false;
    if (last?.forkOf && !last.opencodeSession) {
      sessionID = await forkConversation(client, last.forkOf, wt.path);
      if (sessionID) yield { type: "log", level: "info", text: `forked the conversation into ${sessionID}` };
    } else if (
      last?.opencodeSession &&
      !(last.rewind && last.messageId === null) && // rewound to before any step: start the task afresh
      (await exists(client, last.opencodeSession))
    ) {
      sessionID = last.opencodeSession;
      resumed = true;
      await settleIdle(client, sessionID);
      if (last.rewind) {
        await rewindConversation(client, sessionID, last.messageId!);
        // OpenCode's revert restores files from its own snapshots; ours is the commit, so it has the last word.
        await reset(wt.path, last.commit);
        yield { type: "log", level: "info", text: `rewound to checkpoint ${last.commit.slice(0, 10)}` };
      }
      yield {
        type: "log",
        level: "info",
        text: `resuming OpenCode session ${sessionID} from the last checkpoint`,
      };
    } else if (last?.rewind) {
      await reset(wt.path, last.commit);
      yield { type: "log", level: "info", text: `rewound to checkpoint ${last.commit.slice(0, 10)}` };
    }
    if (!sessionID) {
      const made = await client.session.create({ title: input.title, permission: rules(profile) });
      if (!made.data) throw new Error(`opencode did not create a session: ${JSON.stringify(made.error)}`);
      sessionID = made.data.id;
    }
    if (!resumed || last?.rewind) {
      // Where we start from (and no pending rewind or fork): even a crash before the first step resumes here.
      const head = wt.how === "cut" && !last ? wt.base : (await git(wt.path, ["rev-parse", "HEAD"])).trim();
      yield { type: "checkpoint", data: position(wt, head, sessionID, last?.messageId ?? null) };
    }
    const onAbort = () => void client.session.abort({ sessionID }).catch(() => {});
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      // The SSE client reconnects to a dead server for ever: the server's exit ends the run instead.
      const died = lease.oc.exited.then((code) => {
        throw new Error(`the opencode server exited (${code ?? "killed"}) during the session`);
      });
      died.catch(() => {}); // observed through the race in untilAborted
      yield* drive(deps, input, profile, client, wt, sessionID, resumed, events.stream, signal, died);
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  } finally {
    // The pool frees the worktree's OpenCode instance later; a retry, restore or fork boots it again.
    lease.release(wt.path);
  }
}

async function* drive(
  deps: Deps,
  input: RunInput,
  profile: Profile,
  client: OpencodeClient,
  wt: Worktree,
  sessionID: string,
  resumed: boolean,
  stream: AsyncIterable<unknown>,
  signal: AbortSignal,
  died: Promise<never>,
): AsyncGenerator<AgentEvent> {
  yield* connectMcp(deps, input, client);
  const [providerID, ...rest] = profile.model.split("/");
  const text = promptOf(input, resumed);
  const sent = await whenFree(client, sessionID, () =>
    client.session.promptAsync({
      sessionID,
      parts: [{ type: "text", text }],
      model: { providerID: providerID!, modelID: rest.join("/") },
      agent: profile.agent,
      ...(profile.system ? { system: profile.system } : {}),
    }),
  );
  if (sent.error) throw new Error(`opencode refused the prompt: ${JSON.stringify(sent.error)}`);
  await input.delivered(input.followUps.map((m) => m.id));

  // Raced with the server's exit: a session must not sit waiting for a person on a dead server.
  const ask = (kind: "permission" | "question", request: Parameters<RunInput["ask"]>[0]["request"]) =>
    Promise.race([
      input.ask({
        kind,
        request,
        timeoutMs: profile.approvalTimeoutSec * 1000,
        onTimeout: profile.onTimeout,
      }),
      died,
    ]);
  const map = new Mapper(sessionID, deps.maxLlmRetries ?? 3, Date.now, wt.path);
  const usage = { input: 0, output: 0, reasoning: 0, cost: 0 };
  let idle = false;
  // While the mapper holds a permission for its call's input, a quiet stream still reaches it.
  const quiet = () => (map.holding ? 250 : null);
  for await (const raw of untilAborted(stream, signal, died, quiet)) {
    const e = raw as OcEvent;
    const out = map.next(e);
    for (const ev of out.events) {
      if (ev.type === "usage")
        for (const k of ["input", "output", "reasoning", "cost"] as const) usage[k] += ev[k];
      yield ev;
    }
    if (out.abort) void client.session.abort({ sessionID }).catch(() => {});
    if (out.stepDone) {
      // A finished step that changed files is a checkpoint: a commit on the branch plus where the talk is.
      const head = await commit(
        wt,
        `${input.title}: step ${out.stepDone.n}\n\nOrchestrator session ${input.sessionId}`,
      );
      if (head) yield { type: "checkpoint", data: position(wt, head, sessionID, out.stepDone.messageId) };
    }
    if (out.permission) {
      const p = out.permission;
      const a = await ask("permission", p.request);
      await client.permission.reply({ requestID: p.id, reply: a.reply ?? "reject", message: a.message });
    }
    if (out.question) {
      const q = out.question;
      const a = await ask("question", q.request);
      if (a.answers) await client.question.reply({ requestID: q.id, answers: a.answers });
      else await client.question.reject({ requestID: q.id });
    }
    if (out.idle) {
      idle = true;
      break;
    }
  }
  signal.throwIfAborted();
  // The stream ended without the session finishing: the server went away. Retryable from the checkpoint.
  if (!idle) throw new Error("the opencode event stream ended before the session finished");
  if (map.failure) throw new Fatal(map.failure, "opencode_failed");
  const head = await commit(wt, `${input.title}\n\nOrchestrator session ${input.sessionId}`);
  if (head) yield { type: "checkpoint", data: position(wt, head, sessionID, map.lastMessage) };
  const d = await diff(wt);
  yield {
    type: "result",
    result: {
      text: map.text,
      branch: wt.branch,
      base: wt.base,
      worktree: wt.path,
      diff: d,
      tokens: usage,
      opencodeSession: sessionID,
    },
  };
}

/**
 * What the run says to the agent: a round a follow-up opened says the follow-up (with the task first when
 * the conversation is gone); a resumed attempt says to continue; a first one says the task.
 */
export function promptOf(input: Pick<RunInput, "prompt" | "followUps">, resumed: boolean): string {
  const said = input.followUps.map((m) => m.text).join("\n\n");
  if (said && resumed) return said;
  if (said) return `${input.prompt}\n\nThen, a follow-up from the person who asked:\n\n${said}`;
  return resumed
    ? `The previous attempt at this task was interrupted. The work so far is in this worktree and in the ` +
        `conversation above. Continue the original task from where it stopped; do not redo finished steps.`
    : input.prompt;
}

/**
 * Give the worktree's OpenCode instance our MCP server, with this attempt's credential, before each
 * prompt: OpenCode keeps MCP clients per directory and drops them when it frees the instance, and a retry
 * may run on another server. Not in the servers' shared configuration, so an instance never falls back
 * to another session's credential, and not in any environment the agent's shell can read.
 */
async function* connectMcp(deps: Deps, input: RunInput, client: OpencodeClient): AsyncGenerator<AgentEvent> {
  const url = deps.mcpUrl?.();
  if (!url) return;
  const token = await input.credential();
  const r = await client.mcp.add({
    name: mcpName,
    config: {
      type: "remote",
      url,
      headers: { authorization: `Bearer ${token}` },
      oauth: false,
      timeout: 10_000,
    },
  });
  const status = (r.data as Record<string, { status: string; error?: string }> | undefined)?.[mcpName];
  if (status?.status !== "connected")
    yield {
      type: "log",
      level: "warn",
      text: `the orchestrator's MCP tools are not available to this session: ${status?.error ?? status?.status ?? JSON.stringify(r.error)}`,
    };
}

const position = (wt: Worktree, head: string, sessionID: string, messageId: string | null): Position => ({
  worktree: wt.path,
  branch: wt.branch,
  commit: head,
  opencodeSession: sessionID,
  messageId,
});

type Messages = { info: { id: string } }[];

/** The message after `messageId` (the first one a rewind or fork leaves out), or undefined if none. */
async function after(
  client: OpencodeClient,
  sessionID: string,
  messageId: string | null,
): Promise<string | undefined> {
  const msgs = ((await client.session.messages({ sessionID })).data ?? []) as Messages;
  if (messageId === null) return msgs[0]?.info.id;
  const i = msgs.findIndex((m) => m.info.id === messageId);
  return i >= 0 ? msgs[i + 1]?.info.id : undefined;
}

type Message = { info: { id: string }; parts: { id: string; type: string }[] };

/**
 * Drop everything after the checkpoint's step. OpenCode reverts a whole turn when given a message, but
 * from a part when given one inside a message with work before it: so we revert from the step's
 * `step-finish` part, which keeps the step's tool calls and drops all that followed.
 */
async function rewindConversation(
  client: OpencodeClient,
  sessionID: string,
  messageId: string,
): Promise<void> {
  const msgs = ((await client.session.messages({ sessionID })).data ?? []) as Message[];
  const i = msgs.findIndex((m) => m.info.id === messageId);
  if (i < 0)
    throw new Fatal(`the checkpoint's message ${messageId} is not in the conversation`, "rewind_failed");
  const finish = msgs[i]!.parts.find((p) => p.type === "step-finish");
  if (!finish && i === msgs.length - 1) return; // nothing after it to drop
  const r = await whenFree(client, sessionID, () =>
    client.session.revert({ sessionID, messageID: messageId, ...(finish ? { partID: finish.id } : {}) }),
  );
  if (r.error) throw new Error(`opencode could not rewind the conversation: ${JSON.stringify(r.error)}`);
}

/**
 * A conversation we take over may still be marked busy (its last run died mid-step): abort it and wait
 * until OpenCode lists it idle (idle sessions are absent from /session/status).
 */
async function settleIdle(client: OpencodeClient, sessionID: string, ms = 15_000): Promise<void> {
  const end = performance.now() + ms;
  let aborted = false;
  for (;;) {
    const all = ((await client.session.status()).data ?? {}) as Record<string, { type: string }>;
    if (!all[sessionID] || all[sessionID].type === "idle") return;
    if (!aborted) {
      aborted = true;
      await client.session.abort({ sessionID }).catch(() => {});
    }
    if (performance.now() > end) throw new Error(`opencode session ${sessionID} stayed busy for ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Call `fn` on a session that OpenCode may still hold busy for a moment though its status says idle: just
 * after its directory's instance was disposed and booted again, a revert answered SessionBusyError. Wait
 * for it (aborting it if it really runs) and try again, for up to `ms`.
 */
async function whenFree<T extends { error?: unknown }>(
  client: OpencodeClient,
  sessionID: string,
  fn: () => Promise<T>,
  ms = 15_000,
): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const r = await fn();
    const busy = (r.error as { _tag?: string } | undefined)?._tag === "SessionBusyError";
    if (!busy || performance.now() > end) return r;
    await settleIdle(client, sessionID);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** A copy of a conversation up to the checkpoint's message; null when the original is gone. */
async function forkConversation(
  client: OpencodeClient,
  from: { opencodeSession: string; messageId: string | null },
  directory: string,
): Promise<string | null> {
  if (!(await exists(client, from.opencodeSession))) return null;
  const upto = await after(client, from.opencodeSession, from.messageId);
  const r = await client.session.fork({
    sessionID: from.opencodeSession,
    ...(upto ? { messageID: upto } : {}),
  });
  if (!r.data) return null;
  if (r.data.directory === directory) return r.data.id;
  // A fork stays in its original's directory, where its tools would then write: move it to our worktree.
  const moved = await client.experimental.controlPlane.moveSession({
    sessionID: r.data.id,
    destination: { directory },
    moveChanges: false,
  });
  if (moved.error)
    throw new Error(`opencode could not move the forked session: ${JSON.stringify(moved.error)}`);
  const check = await client.session.get({ sessionID: r.data.id });
  if (check.data?.directory !== directory)
    throw new Fatal(
      `the forked OpenCode session stayed in ${check.data?.directory}, not ${directory}`,
      "fork_failed",
    );
  return r.data.id;
}

/** Whether OpenCode still has the conversation. Only a 404 says no: any other failure fails the attempt,
 * rather than starting the task afresh in a worktree that holds work. */
async function exists(client: OpencodeClient, sessionID: string): Promise<boolean> {
  const got = await client.session.get({ sessionID });
  if (got.data) return true;
  if (got.response?.status === 404) return false;
  throw new Error(`opencode could not look up session ${sessionID}: ${JSON.stringify(got.error)}`);
}

/**
 * The repository to work on: the registered project, or an ad-hoc workspace. Either was checked against
 * the tenant's roots and claimed when submitted (tenant/repos.ts), by its real path; a run checks it is
 * still a repository there, and that no symlink has since put another directory in its place.
 */
async function projectFor(input: RunInput): Promise<Project & { setup: string | null }> {
  if (input.project) return input.project;
  if (!input.workspace)
    throw new Fatal(
      "the opencode agent needs a workspace: give project or workspace.repo",
      "workspace_required",
    );
  const { repo: dir, ref } = input.workspace;
  const repo = await inspect(dir, ref, [dir], {
    path: "workspace.repo",
    branch: "workspace.ref",
  }).catch((err) => {
    throw new Fatal(err.message, "workspace_invalid");
  });
  if (repo.path !== path.resolve(dir))
    throw new Fatal(
      `workspace.repo: ${dir} now resolves to ${repo.path}, not the repository the session was submitted with`,
      "workspace_invalid",
    );
  return { path: repo.path, baseBranch: repo.base, copyFiles: [], setup: null };
}

/**
 * Iterate until the signal aborts or `died` rejects, even if the source never yields again (a hung server).
 * When `quiet()` gives a number of ms, nothing arriving for that long yields `tick` instead.
 */
async function* untilAborted<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
  died: Promise<never>,
  quiet: () => number | null = () => null,
): AsyncGenerator<T | typeof tick> {
  const it = source[Symbol.asyncIterator]();
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {}); // observed through the race below
  let pending: Promise<IteratorResult<T>> | null = null;
  try {
    for (;;) {
      pending ??= it.next(); // a call still under way after a tick is awaited again, never asked twice
      const ms = quiet();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ticked =
        ms === null ? null : new Promise<"quiet">((r) => (timer = setTimeout(() => r("quiet"), ms)));
      const next = await Promise.race([pending, aborted, died, ...(ticked ? [ticked] : [])]).finally(() =>
        clearTimeout(timer),
      );
      if (next === "quiet") {
        yield tick;
        continue;
      }
      pending = null;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // The source is abandoned: a failure to close it is no news to anyone, and must not escape.
    void it.return?.()?.catch(() => {});
  }
}
