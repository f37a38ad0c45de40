import path from "node:path";
import { readFileSync } from "node:fs";
import type { Action, Create, Session } from "@orchestrator/sdk";
import type { Command } from "commander";
import { collect, int } from "../args.ts";
import { context } from "../context.ts";
import { Usage } from "../exit.ts";
import * as Out from "../output.ts";

export function register(program: Command): void {
  const sessions = program.command("sessions").description("list, create and control sessions");

  sessions
    .command("ls")
    .alias("list")
    .description("list sessions, newest first")
    .option("--status <list>", "only these statuses, comma-separated (e.g. running,queued)")
    .option("--tag <tag>", "only sessions with this tag")
    .option("-q, --query <text>", "only sessions with this text in the title or prompt")
    .option("--type <type>", "only this type (planning, execution, review, debug, integration)")
    .option("--limit <n>", "page size, 1–200 (default 50; 200 with --all)", int)
    .option("--all", "every page, not just the first")
    .action(
      async (
        o: { status?: string; tag?: string; query?: string; type?: string; limit?: number; all?: boolean },
        cmd: Command,
      ) => {
        const { client, json } = context(cmd);
        const query = {
          status: o.status,
          tag: o.tag,
          q: o.query,
          type: o.type as never,
          limit: o.limit ?? (o.all ? 200 : undefined),
        };
        let page = await client.sessions.list(query);
        const items = [...page.items];
        while (o.all && page.nextCursor) {
          page = await client.sessions.list({ ...query, cursor: page.nextCursor });
          items.push(...page.items);
        }
        if (json) return Out.json({ items, nextCursor: page.nextCursor });
        if (items.length === 0) return Out.print("no sessions");
        // Project names for the table: one more request, and only when a listed session has a project.
        const names = items.some((s) => s.projectId)
          ? new Map((await client.projects.list()).map((p) => [p.id, p.name]))
          : undefined;
        for (const line of Out.sessions(items, Date.now(), names)) Out.print(line);
        if (page.nextCursor) Out.warn(`(more: use --all or --limit)`);
      },
    );

  sessions
    .command("show")
    .argument("<id>", "session id")
    .description("one session in full")
    .action(async (id: string, _o, cmd: Command) => {
      const { client, json } = context(cmd);
      const s = await client.sessions.get(id);
      if (json) return Out.json(s);
      for (const line of Out.session(s)) Out.print(line);
    });

  sessions
    .command("create")
    .description("create a session; it is queued at once unless --hold")
    .requiredOption("--title <title>", "a short title")
    .option("--prompt <text>", "the instructions for the agent")
    .option("--prompt-file <file>", "read the prompt from a file ('-' reads standard input)")
    .option("--priority <p>", "critical, high, medium, low or deferred (default medium)")
    .option("--type <t>", "planning, execution, review, debug or integration (default execution)")
    .option("--agent <name>", "run on this agent")
    .option("--capability <name>", "a capability the agent must have; repeat for several", collect)
    .option("--tag <tag>", "a tag; repeat for several", collect)
    .option("--max-duration <seconds>", "deadline per run, in seconds (default 3600)", int)
    .option("--max-attempts <n>", "automatic attempts before failing (default 3)", int)
    .option("--hold", "create it pending; `sessions start` queues it")
    .option("--repo <path>", "git repository to work on (runs the OpenCode agent in a worktree of it)")
    .option("--ref <branch>", "base branch for the worktree (default: the repository's current branch)")
    .option("--project <name>", "a registered project to work on (instead of --repo)")
    .option("--profile <name>", "the agent profile: model and permissions (see `profiles ls`)")
    .action(async (o: CreateFlags, cmd: Command) => {
      const { client, json } = context(cmd);
      const s = await client.sessions.create(toCreate(o));
      if (json) return Out.json(s);
      Out.print(`created ${s.id}  ${s.status}  ${s.title}`);
    });

  const actions: [Action, string][] = [
    ["start", "queue a held (pending) session"],
    ["cancel", "cancel a session that has not ended"],
    ["stop", "stop a running or paused session"],
    ["pause", "pause a session; its run hands back at the next checkpoint"],
    ["resume", "queue a paused session again"],
    ["retry", "run a session that ended unsuccessfully again"],
  ];
  for (const [action, description] of actions) {
    sessions
      .command(action)
      .argument("<id>", "session id")
      .description(description)
      .option("--reason <text>", "recorded in the session's log")
      .action(async (id: string, o: { reason?: string }, cmd: Command) => {
        const { client, json } = context(cmd);
        const s = await client.sessions[action](id, { reason: o.reason });
        if (json) return Out.json(s);
        Out.print(line(s));
      });
  }

  sessions
    .command("rm")
    .alias("delete")
    .argument("<id>", "session id")
    .description("delete a session (cancelling it first if it has not ended)")
    .action(async (id: string, _o, cmd: Command) => {
      const { client, json } = context(cmd);
      await client.sessions.remove(id);
      if (json) return Out.json({ id, deleted: true });
      Out.print(`deleted ${id}`);
    });

  sessions
    .command("stats")
    .description("how many sessions are in each status")
    .action(async (_o, cmd: Command) => {
      const { client, json } = context(cmd);
      const stats = await client.sessions.stats();
      if (json) return Out.json(stats);
      const rows = Object.entries(stats.byStatus).map(([status, n]) => [status, String(n)]);
      for (const l of Out.table(["STATUS", "COUNT"], [...rows, ["total", String(stats.total)]])) Out.print(l);
    });
}

interface CreateFlags {
  title: string;
  prompt?: string;
  promptFile?: string;
  priority?: string;
  type?: string;
  agent?: string;
  capability?: string[];
  tag?: string[];
  maxDuration?: number;
  maxAttempts?: number;
  hold?: boolean;
  repo?: string;
  ref?: string;
  project?: string;
  profile?: string;
}

/** Flags → the API's Create body. Values are checked by the server against the one schema. */
function toCreate(o: CreateFlags): Create {
  if ((o.prompt === undefined) === (o.promptFile === undefined))
    throw new Usage("give exactly one of --prompt and --prompt-file");
  const prompt = o.prompt ?? read(o.promptFile!);
  return {
    title: o.title,
    prompt,
    priority: o.priority as Create["priority"],
    type: o.type as Create["type"],
    agent: o.agent,
    capabilities: o.capability,
    tags: o.tag,
    maxDurationSec: o.maxDuration,
    maxAttempts: o.maxAttempts,
    hold: o.hold,
    project: o.project,
    profile: o.profile,
    // The server resolves the path, so a relative --repo is taken from where the command runs.
    workspace: o.repo ? { repo: path.resolve(o.repo), ...(o.ref ? { ref: o.ref } : {}) } : undefined,
  };
}

function read(file: string): string {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new Usage(`cannot read --prompt-file ${file}: ${(err as Error).message}`);
  }
}

const line = (s: Session) => `${s.status}  ${s.title}  ${s.id}`;
