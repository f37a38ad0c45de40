import path from "node:path";
import { type Client, type Create, type Event, type Session, endsSession } from "@orchestrator/sdk";
import { type Command, Option } from "commander";
import { context } from "../context.ts";
import { Usage, code } from "../exit.ts";
import * as Out from "../output.ts";
import { read, summary } from "./diff.ts";

export function register(program: Command): void {
  program
    .command("run")
    .argument("<task>", "what the agent should do (the session's prompt)")
    .description("run a task on a repository and watch it live until it ends; Ctrl-C detaches")
    .requiredOption("--repo <path>", "git repository to work on, in a new worktree on orchestrator/<id>")
    .option("--ref <branch>", "base branch for the worktree (default: the repository's current branch)")
    .option("--title <title>", "a short title (default: the task's first line, up to 80 characters)")
    .option("--agent <name>", "run on this agent (default: opencode for a repository)")
    .addOption(new Option("--wait", "follow the session until it ends (the default)").conflicts("detach"))
    .option("--detach", "print the new session's id and return at once")
    .action(async (task: string, o: Flags, cmd: Command) => {
      const { client, json } = context(cmd);
      const s = await client.sessions.create(toCreate(task, o));
      if (o.detach) return json ? Out.json(s) : Out.print(s.id);
      if (!json) Out.print(`▶ ${s.title}  ${s.id}${s.agent ? `  (agent ${s.agent})` : ""}`);
      process.exitCode = await watch(client, s.id, json);
    });
}

interface Flags {
  repo: string;
  ref?: string;
  title?: string;
  agent?: string;
  wait?: boolean;
  detach?: boolean;
}

function toCreate(task: string, o: Flags): Create {
  const title = o.title ?? task.trim().split("\n")[0]!.trim().slice(0, 80).trim();
  if (!title) throw new Usage("the task is empty");
  return {
    title,
    prompt: task,
    agent: o.agent,
    // The server resolves the path in its own working directory, so make it absolute here.
    workspace: { repo: path.resolve(o.repo), ...(o.ref ? { ref: o.ref } : {}) },
  };
}

/**
 * Follow the session from its first event to its end, then print the outcome. Ctrl-C (or SIGTERM)
 * detaches: the session keeps running on the server, and we say how to pick it up again.
 */
async function watch(client: Client, id: string, json: boolean): Promise<number> {
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  const view = live();
  try {
    const { ended } = await client.events.follow(id, {
      signal: stop.signal,
      until: endsSession,
      onEvent: (e) => {
        // Hook for inline approvals (coming): when the agent asks a person (the session goes `waiting`
        // with an approval event), prompt on the terminal unless --json or stdin is not a TTY, answer
        // through the API, and keep following. `follow` awaits this callback, so a prompt pauses the
        // view and later events follow in order; but a prompt open longer than `idleMs` (45 s) reads as
        // a dead connection and reconnects, so raise idleMs or leave the follow while a person decides.
        if (json) return Out.json(e);
        for (const line of view(e)) Out.print(line);
      },
      onReconnect: ({ error, delayMs, after }) => {
        const why = error instanceof Error ? error.message : String(error);
        Out.warn(`connection lost (${why}); reconnecting in ${delayMs} ms from #${after}`);
      },
    });
    if (!ended) {
      Out.warn(`detached; session ${id} keeps running. Watch it again with:`);
      Out.warn(`  orchestrator events ${id} --follow`);
      return code.interrupted;
    }
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
  const s = await client.sessions.get(id);
  if (json) Out.json(s);
  else for (const line of outcome(s)) Out.print(line);
  return s.status === "completed" ? code.ok : code.unsuccessful;
}

const str = (v: unknown): string => (typeof v === "string" ? v : (JSON.stringify(v) ?? ""));

/**
 * The readable live view: a function of one event to the lines it adds. It remembers which tool calls
 * it has shown, so a call prints once when it starts and once when it ends, however many states the
 * agent reports in between.
 */
function live(): (e: Event) => string[] {
  const started = new Set<string>();
  return (e) => {
    const d = e.data;
    switch (e.type) {
      case "session.status":
        return [status(d)];
      case "agent.tool": {
        const name = [str(d.tool), d.title ? str(d.title) : ""].filter(Boolean).join(" ");
        if (d.status === "pending" || d.status === "running") {
          if (started.has(str(d.callId))) return [];
          started.add(str(d.callId));
          return [`  ▸ ${name} …`];
        }
        const error = d.status === "error" && d.error ? `: ${str(d.error)}` : "";
        return [`  ▸ ${name} … ${str(d.status)}${error}`];
      }
      case "agent.message":
        return indent(str(d.text));
      case "agent.log":
        return indent(`${d.level === "info" ? "·" : "!"} ${str(d.text)}`);
      case "agent.progress":
        return [`  · ${str(d.done)}/${str(d.total)}`];
      case "agent.artifact":
        return [`  · artifact ${str(d.name)}`];
      default:
        // session.created is the ▶ line already; checkpoints and the rest are in `events <id>`.
        return [];
    }
  };
}

/** `● running (attempt 1)`, `● failed — workspace_invalid: …`, `● degraded: LLM retry 1: …` */
function status(d: Record<string, unknown>): string {
  const error = d.error as { code?: string; message?: string } | undefined;
  let line = `● ${str(d.to)}`;
  if (d.to === "running" && d.from !== "degraded") line += ` (attempt ${str(d.attempt)})`;
  if (d.reason) line += `: ${str(d.reason)}`;
  if (error && error.message !== d.reason) line += ` — ${error.code}: ${error.message}`;
  return line;
}

const indent = (text: string) => text.split("\n").map((l) => `  ${l}`);

/** What the session ended as, and for a workspace session its branch and what changed. */
function outcome(s: Session): string[] {
  const lines = ["", `${s.status}  ${s.title}  ${s.id}`];
  if (s.error) lines.push(`error     ${s.error.code}: ${s.error.message}`);
  const result = read(s.result);
  if (result) lines.push(...summary(result));
  if (s.status !== "completed") lines.push(`(see \`orchestrator events ${s.id}\` for the whole log)`);
  return lines;
}
