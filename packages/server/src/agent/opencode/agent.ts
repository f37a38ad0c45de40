import path from "node:path";
import { createOpencodeClient } from "@opencode-ai/sdk/v2";
import { type Agent, type AgentEvent, Fatal, type RunInput } from "../agent.ts";
import { type Project, commit, currentBranch, diff, inspect, open } from "../../workspace/worktree.ts";
import type { Pool } from "./pool.ts";
import { label } from "./demo-llm.ts";

export interface Deps {
  pool: Pool;
  /** Where session worktrees live (`<dataDir>/worktrees`). */
  worktrees: string;
  /** Repositories must lie inside one of these. */
  roots: string[];
  /** An LLM that keeps failing is given up after this many OpenCode retries. */
  maxLlmRetries?: number;
}

// OpenCode's event union is wide; we read a few known fields defensively rather than narrow every variant.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type OcEvent = { type: string; properties?: Record<string, any> };

/**
 * Runs a session with a real OpenCode in the session's own git worktree: prompt_async, follow /event,
 * map tool calls and the final text into our log, and end with the branch and its diff against the base.
 */
export function create(deps: Deps): Agent {
  return {
    name: "opencode",
    label: `OpenCode in a git worktree (model: ${label})`,
    capabilities: ["code", "opencode", "git"],
    health: async () => ({ ok: true }),
    run: (input, signal) => run(deps, input, signal),
  };
}

async function* run(deps: Deps, input: RunInput, signal: AbortSignal): AsyncGenerator<AgentEvent> {
  if (!input.workspace)
    throw new Fatal("the opencode agent needs a workspace: give workspace.repo", "workspace_required");
  const ref = input.workspace.ref;
  const real = await inspect(input.workspace.repo, ref, deps.roots).catch((err) => {
    throw new Fatal(err.message, "workspace_invalid");
  });
  const project: Project = { path: real, baseBranch: ref ?? (await currentBranch(real)), copyFiles: [] };
  const wt = await open(project, input.sessionId, deps.worktrees);
  yield { type: "log", level: "info", text: `worktree ${wt.path} on branch ${wt.branch}` };

  const oc = await deps.pool.acquire();
  const client = createOpencodeClient({
    baseUrl: oc.url,
    directory: wt.path,
    headers: { authorization: oc.auth },
  });
  const events = await client.event.subscribe();
  const session = (await client.session.create({ title: input.title })).data;
  if (!session) throw new Error("opencode did not create a session");
  const onAbort = () => void client.session.abort({ sessionID: session.id }).catch(() => {});
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    await client.session.promptAsync({
      sessionID: session.id,
      parts: [{ type: "text", text: input.prompt }],
    });
    let text = "";
    let failure: string | null = null;
    const tokens = { input: 0, output: 0, cost: 0 };
    const seen = new Map<string, string>();
    let idle = false;
    for await (const raw of untilAborted(events.stream, signal)) {
      const e = raw as OcEvent;
      const p = e.properties ?? {};
      if (p.sessionID !== session.id) continue;
      if (e.type === "message.part.updated" && p.part?.type === "tool") {
        const status = p.part.state?.status as "pending" | "running" | "completed" | "error";
        if (seen.get(p.part.callID) === status) continue;
        seen.set(p.part.callID, status);
        yield {
          type: "tool",
          tool: p.part.tool,
          callId: p.part.callID,
          status,
          title: p.part.state?.title,
          error: p.part.state?.error,
        };
      } else if (e.type === "message.part.updated" && p.part?.type === "text" && p.part.time?.end) {
        text = p.part.text;
        yield { type: "message", text };
      } else if (e.type === "message.updated" && p.info?.role === "assistant" && p.info.time?.completed) {
        tokens.input += p.info.tokens?.input ?? 0;
        tokens.output += p.info.tokens?.output ?? 0;
        tokens.cost += p.info.cost ?? 0;
      } else if (e.type === "session.status" && p.status?.type === "retry") {
        yield { type: "degraded", reason: `LLM retry ${p.status.attempt}: ${p.status.message}` };
        if (p.status.attempt > (deps.maxLlmRetries ?? 3)) {
          failure = `the model kept failing (${p.status.message}); gave up after ${p.status.attempt} retries`;
          onAbort();
        }
      } else if (e.type === "session.error") {
        failure ??= `${p.error?.name ?? "error"}: ${p.error?.data?.message ?? JSON.stringify(p.error?.data ?? {})}`;
      } else if (e.type === "session.idle") {
        idle = true;
        break;
      }
    }
    signal.throwIfAborted();
    // The stream ended without the session finishing: the server went away. Retryable from the worktree.
    if (!idle) throw new Error("the opencode event stream ended before the session finished");
    if (failure) throw new Fatal(failure, "opencode_failed");
    const head = await commit(wt, `${input.title}\n\nOrchestrator session ${input.sessionId}`);
    yield {
      type: "checkpoint",
      data: { worktree: wt.path, branch: wt.branch, commit: head, opencodeSession: session.id },
    };
    const d = await diff(wt);
    yield {
      type: "result",
      result: { text, branch: wt.branch, base: wt.base, worktree: wt.path, diff: d, tokens },
    };
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/** Iterate until the signal aborts, even if the source never yields again (a hung server). */
async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const it = source[Symbol.asyncIterator]();
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {}); // observed through the race below
  try {
    for (;;) {
      const next = await Promise.race([it.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    void it.return?.();
  }
}

export const worktreeRoot = (dataDir: string) => path.join(dataDir, "worktrees");
