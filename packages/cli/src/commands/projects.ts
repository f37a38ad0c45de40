import path from "node:path";
import type { Project, Worktree } from "@orchestrator/sdk";
import type { Command } from "commander";
import { collect, int } from "../args.ts";
import { context } from "../context.ts";
import * as Out from "../output.ts";

export function register(program: Command): void {
  const projects = program
    .command("projects")
    .description("registered repositories: sessions run in worktrees of them (`run --project`)");

  projects
    .command("add")
    .argument("<name>", "a short name: lower-case letters, digits and . _ : -")
    .argument(
      "<path>",
      "the repository's top directory, under one of the tenant's roots (`projects ls` names them)",
    )
    .description("register a git repository as a project")
    .option("--base <branch>", "the branch new worktrees start from (default: the one checked out now)")
    .option("--setup <command>", "a shell command run in each new worktree (e.g. npm ci)")
    .option(
      "--copy <file>",
      "an untracked file copied into new worktrees (e.g. .env); repeat for several",
      collect,
    )
    .option("--retention-hours <n>", "remove a worktree this long after its session ends (default 72)", int)
    .action(async (name: string, dir: string, o: AddFlags, cmd: Command) => {
      const { client, json } = context(cmd);
      const p = await client.projects.create({
        name,
        // The server resolves the path in its own working directory, so make it absolute here.
        path: path.resolve(dir),
        baseBranch: o.base,
        setup: o.setup,
        copyFiles: o.copy,
        retentionHours: o.retentionHours,
      });
      if (json) return Out.json(p);
      Out.print(`added ${p.name}  ${p.path}  (base ${p.baseBranch})`);
    });

  projects
    .command("ls")
    .alias("list")
    .description("list projects, and where this tenant's repositories may live")
    .action(async (_o, cmd: Command) => {
      const { client, json } = context(cmd);
      const [items, { repoRoots }] = await Promise.all([client.projects.list(), client.me()]);
      if (json) return Out.json({ items, repoRoots });
      if (items.length === 0) Out.print("no projects (add one with `orchestrator projects add`)");
      const rows = items.map((p) => [p.name, p.baseBranch, `${p.retentionHours}h`, p.path]);
      if (rows.length) for (const l of Out.table(["NAME", "BASE", "RETENTION", "PATH"], rows)) Out.print(l);
      Out.print(
        repoRoots.length
          ? `repositories may live under ${repoRoots.join(", ")}`
          : "this tenant has no repository roots, so it can register no repository: the server's operator sets them",
      );
    });

  projects
    .command("show")
    .argument("<name>", "project name")
    .description("one project and its sessions' worktrees")
    .action(async (name: string, _o, cmd: Command) => {
      const { client, json } = context(cmd);
      const [p, worktrees] = await Promise.all([client.projects.get(name), client.projects.worktrees(name)]);
      if (json) return Out.json({ ...p, worktrees });
      for (const l of show(p, worktrees)) Out.print(l);
    });

  projects
    .command("rm")
    .alias("delete")
    .argument("<name>", "project name")
    .description(
      "unregister a project (refused while a session of it has not ended); the repository, its branches and worktrees stay",
    )
    .action(async (name: string, _o, cmd: Command) => {
      const { client, json } = context(cmd);
      await client.projects.remove(name);
      if (json) return Out.json({ name, deleted: true });
      Out.print(`removed ${name}`);
    });
}

interface AddFlags {
  base?: string;
  setup?: string;
  copy?: string[];
  retentionHours?: number;
}

function show(p: Project, worktrees: Worktree[]): string[] {
  const rows: [string, string][] = [
    ["name", p.name],
    ["path", p.path],
    ["base", p.baseBranch],
    ["setup", p.setup ?? "(none)"],
    ["copy", p.copyFiles.join(", ") || "(none)"],
    ["retention", `${p.retentionHours}h after a session ends`],
    ["created", p.createdAt],
  ];
  const lines = rows.map(([k, v]) => `${(k + ":").padEnd(10)} ${v}`);
  if (worktrees.length === 0) return [...lines, "worktrees: none yet"];
  const table = Out.table(
    ["SESSION", "STATUS", "BRANCH", "PATH"],
    worktrees.map((w) => [w.sessionId, w.status, w.branch, w.exists ? w.path : "(not on disk)"]),
  );
  return [...lines, "worktrees:", ...table.map((l) => `  ${l}`)];
}
