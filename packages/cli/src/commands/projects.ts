import path from "node:path";
import type { Project, RemoteInput, Worktree } from "@orchestrator/sdk";
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
    .option("--remote <url>", "the https URL of the git remote that `land --push` and `--pr` use")
    .option("--token-stdin", "read the remote's token from standard input (never give it as an argument)")
    .option("--forge <kind>", "github or gitlab, where pull requests go (default: from the URL's host)")
    .option("--api <url>", "the forge's API root (default: api.github.com or <host>/api/v4)")
    .action(async (name: string, dir: string, o: AddFlags, cmd: Command) => {
      const { client, json } = context(cmd);
      const remote = o.remote ? await remoteOf({ ...o, remote: o.remote }) : undefined;
      const p = await client.projects.create({
        ...(remote ? { remote } : {}),
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
    .command("update")
    .argument("<name>", "project name")
    .description("change a project: its base branch, setup, retention, or its remote and token")
    .option("--base <branch>", "the branch new worktrees start from")
    .option("--setup <command>", "a shell command run in each new worktree")
    .option("--retention-hours <n>", "remove a worktree this long after its session ends", int)
    .option("--remote <url>", "the https URL of the git remote (a token stays only while the hosts stay)")
    .option("--no-remote", "remove the remote and its token")
    .option("--token-stdin", "read the remote's token from standard input")
    .option("--forge <kind>", "github or gitlab")
    .option("--api <url>", "the forge's API root")
    .action(async (name: string, o: Omit<AddFlags, "remote"> & { remote?: string | false }, cmd: Command) => {
      const { client, json } = context(cmd);
      const remote =
        o.remote === false ? null : o.remote ? await remoteOf({ ...o, remote: o.remote }) : undefined;
      if (remote === undefined && (o.tokenStdin || o.forge || o.api))
        throw new Error("--token-stdin, --forge and --api go with --remote <url>");
      const p = await client.projects.update(name, {
        ...(o.base ? { baseBranch: o.base } : {}),
        ...(o.setup ? { setup: o.setup } : {}),
        ...(o.retentionHours !== undefined ? { retentionHours: o.retentionHours } : {}),
        ...(remote !== undefined ? { remote } : {}),
      });
      if (json) return Out.json(p);
      for (const l of show(p, [])) if (!l.startsWith("worktrees")) Out.print(l);
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

interface AddFlags extends RemoteFlags {
  base?: string;
  setup?: string;
  copy?: string[];
  retentionHours?: number;
}

interface RemoteFlags {
  remote?: string;
  tokenStdin?: boolean;
  forge?: string;
  api?: string;
}

/** The remote from flags; its token from standard input, so it stays out of argv and shell history. */
async function remoteOf(o: RemoteFlags & { remote: string }): Promise<RemoteInput> {
  const token = o.tokenStdin ? (await stdin()).trim() : undefined;
  if (o.tokenStdin && !token) throw new Error("--token-stdin: standard input held no token");
  return {
    url: o.remote,
    ...(token ? { token } : {}),
    ...(o.forge ? { forge: o.forge as RemoteInput["forge"] } : {}),
    ...(o.api ? { api: o.api } : {}),
  };
}

async function stdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString();
}

function show(p: Project, worktrees: Worktree[]): string[] {
  const rows: [string, string][] = [
    ["name", p.name],
    ["path", p.path],
    ["base", p.baseBranch],
    ["setup", p.setup ?? "(none)"],
    ["copy", p.copyFiles.join(", ") || "(none)"],
    ["retention", `${p.retentionHours}h after a session ends`],
    [
      "remote",
      p.remote
        ? `${p.remote.url} (${p.remote.forge ?? "push only"}, ${p.remote.token ? "token set" : "no token"})`
        : "(none)",
    ],
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
