import path from "node:path";
import type { Create } from "@orchestrator/sdk";
import { type Command, Option } from "commander";
import { context } from "../context.ts";
import { Usage } from "../exit.ts";
import * as Out from "../output.ts";
import { header, watch } from "../watch.ts";

export function register(program: Command): void {
  program
    .command("run")
    .argument("<task>", "what the agent should do (the session's prompt)")
    .description("run a task on a repository or project and watch it live until it ends; Ctrl-C detaches")
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
    .addOption(new Option("--wait", "follow the session until it ends (the default)").conflicts("detach"))
    .option("--detach", "print the new session's id and return at once")
    .action(async (task: string, o: Flags, cmd: Command) => {
      const { client, json } = context(cmd);
      const s = await client.sessions.create(toCreate(task, o));
      if (o.detach) return json ? Out.json(s) : Out.print(s.id);
      if (!json) Out.print(header(s));
      process.exitCode = await watch(client, s.id, json);
    });
}

interface Flags {
  repo?: string;
  project?: string;
  ref?: string;
  profile?: string;
  title?: string;
  agent?: string;
  wait?: boolean;
  detach?: boolean;
}

function toCreate(task: string, o: Flags): Create {
  if (!o.repo && !o.project) throw new Usage("give --repo <path> or --project <name>");
  const title = o.title ?? task.trim().split("\n")[0]!.trim().slice(0, 80).trim();
  if (!title) throw new Usage("the task is empty");
  return {
    title,
    prompt: task,
    agent: o.agent,
    profile: o.profile,
    project: o.project,
    // The server resolves the path in its own working directory, so make it absolute here.
    workspace: o.repo ? { repo: path.resolve(o.repo), ...(o.ref ? { ref: o.ref } : {}) } : undefined,
  };
}
