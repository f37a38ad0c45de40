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
import { type OcEvent, Mapper } from "./events.ts";
import { exists, forkConversation, rewindConversation, settleIdle } from "./conversation.ts";
import { mail, untilAborted } from "./stream.ts";
import { Turns } from "./turns.ts";

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
  const turns = new Turns(client, sessionID, input.talk, (text) =>
    client.session.promptAsync({
      sessionID,
      parts: [{ type: "text", text }],
      model: { providerID: providerID!, modelID: rest.join("/") },
      agent: profile.agent,
      ...(profile.system ? { system: profile.system } : {}),
    }),
  );
  const sent = await turns.first(promptOf(input, resumed));
  if (sent.error) throw new Error(`opencode refused the prompt: ${JSON.stringify(sent.error)}`);

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
  for await (const raw of untilAborted(stream, signal, died, { quiet, news: input.talk.arrived })) {
    if (raw === mail) {
      const note = await turns.hand();
      if (note) yield note;
      continue;
    }
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
      // Messages that came meanwhile are the next turn; the run ends once all said is answered.
      const note = await turns.hand();
      if (note) yield note;
      else if (map.failure || (await turns.finished())) {
        idle = true;
        break;
      }
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
 * What the run says to the agent: messages waiting for it (with the task first when there is no
 * conversation yet); a resumed attempt says to continue, naming the person's last request if there was
 * one; a first one says the task.
 */
export function promptOf(input: Pick<RunInput, "prompt" | "talk">, resumed: boolean): string {
  const said = input.talk.waiting.map((m) => m.text).join("\n\n");
  if (said && resumed) return said;
  if (said) return `${input.prompt}\n\nThen, a follow-up from the person who asked:\n\n${said}`;
  if (!resumed) return input.prompt;
  const interrupted =
    `The previous attempt at this task was interrupted. The work so far is in this worktree and in the ` +
    `conversation above.`;
  return input.talk.last
    ? `${interrupted} Continue with the person's last request, from where it stopped; do not redo finished ` +
        `steps. It was:\n\n${input.talk.last.text}`
    : `${interrupted} Continue the original task from where it stopped; do not redo finished steps.`;
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
