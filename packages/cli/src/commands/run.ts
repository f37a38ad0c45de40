import path from "node:path";
import type { Create } from "@orchestrator/sdk";
import { type Command, Option } from "commander";
import { context } from "../context.ts";
import { collect } from "../args.ts";
import { Usage } from "../exit.ts";
import * as Out from "../output.ts";
import { header, watch } from "../watch.ts";

export function register(program: Command): void {
  program
    .command("run")
    .argument("<task>", "what the agent should do (the session's prompt)")
    .description(
      "run a task on a repository or project, or on an agent with the capabilities asked for, and watch it live " +
        "until it ends; Ctrl-C detaches",
    )
    .option("--repo <path>", "git repository to work on, in a new worktree on orchestrator/<id>")
    .addOption(
      new Option("--project <name>", "a registered project to work on (instead of --repo)").conflicts("repo"),
    )
    .addOption(
      new Option(
        "--ref <branch>",
        "with --repo: base branch for the worktree (default: the repository's current branch)",
      ).conflicts("project"),
    )
    .option("--profile <name>", "the agent profile: model and permissions (see `profiles ls`)")
    .option("--title <title>", "a short title (default: the task's first line, up to 80 characters)")
    .option("--agent <name>", "run on this agent (default: opencode for a repository)")
    .option(
      "--capability <name>",
      "a capability the agent must have (a word of `GET /api/v1/capabilities` or an agent's own x-…); repeat for several",
      collect,
    )
    .addOption(new Option("--wait", "follow the session until it ends (the default)").conflicts("detach"))
    .option("--detach", "print the new session's id and return at once")
    .option("--no-talk", "on a terminal, do not read messages to the agent from what is typed while it runs")
    .action(async (task: string, o: Flags, cmd: Command) => {
      const { client, json } = context(cmd);
      const s = await client.sessions.create(toCreate(task, o));
      if (o.detach) return json ? Out.json(s) : Out.print(s.id);
      if (!json) Out.print(header(s));
      process.exitCode = await watch(client, s.id, json, { talk: o.talk !== false });
    });
}

interface Flags {
  repo?: string;
  project?: string;
  ref?: string;
  profile?: string;
  title?: string;
  agent?: string;
  capability?: string[];
  wait?: boolean;
  detach?: boolean;
  talk?: boolean;
}

function toCreate(task: string, o: Flags): Create {
  // A task needs somewhere to work (a repository) or someone to do it (an agent, or what it must be able to do).
  if (!o.repo && !o.project && !o.capability && !o.agent)
    throw new Usage(
      "give --repo <path> or --project <name>, or --capability / --agent for a task without one",
    );
  const title = o.title ?? task.trim().split("\n")[0]!.trim().slice(0, 80).trim();
  if (!title) throw new Usage("the task is empty");
  return {
    title,
    prompt: task,
    agent: o.agent,
    capabilities: o.capability,
    profile: o.profile,
    project: o.project,
    // The server resolves the path in its own working directory, so make it absolute here.
    workspace: o.repo ? { repo: path.resolve(o.repo), ...(o.ref ? { ref: o.ref } : {}) } : undefined,
  };
}
