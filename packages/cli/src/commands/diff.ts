import { type Round, type Session, terminal } from "@orchestrator/sdk";
import type { Command } from "commander";
import { int } from "../args.ts";
import { context } from "../context.ts";
import * as Out from "../output.ts";

/**
 * What a workspace session's result carries (the OpenCode agent's `result`, see the server's
 * workspace/worktree.ts `diff()`). The SDK types `result` as unknown, so it is checked here by shape.
 */
export interface Diff {
  files: { file: string; additions: number; deletions: number; status?: string }[];
  additions: number;
  deletions: number;
  patch: string;
}

export interface Result {
  branch?: string;
  base?: string;
  worktree?: string;
  diff: Diff;
}

/** The session has no diff to show: still running (code `conflict`), or never made one (`not_found`). */
export class NoDiff extends Error {
  override name = "NoDiff";
  readonly code: "conflict" | "not_found";
  readonly details: { status: string };
  constructor(message: string, code: NoDiff["code"], details: NoDiff["details"]) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

export function register(program: Command): void {
  program
    .command("diff")
    .argument("<id>", "session id")
    .description("what a finished workspace session changed: a summary per file, or the patch")
    .option("--stat", "the summary per file (the default)")
    .option("--patch", "the full patch (alone it pipes to `git apply`; with --stat after the summary)")
    .option("--round <n>", "only what round n changed (1 for the first run, then one per follow-up)", int)
    .option("--rounds", "list the session's rounds: how each began and ended, and what it changed")
    .action(async (id: string, o: Flags, cmd: Command) => {
      const { client, json } = context(cmd);
      if (o.rounds) {
        const items = await client.sessions.rounds(id);
        return json ? Out.json(items) : items.forEach((r) => Out.print(roundLine(r)));
      }
      const full = resultOf(await client.sessions.get(id));
      const result =
        o.round === undefined ? full : { ...full, diff: await client.sessions.diff(id, { round: o.round }) };
      if (json) return Out.json(result.diff);
      if (o.stat || !o.patch) for (const l of summary(result)) Out.print(l);
      if (o.patch) process.stdout.write(result.diff.patch);
    });
}

type Flags = { stat?: boolean; patch?: boolean; round?: number; rounds?: boolean };

/** `round 2  completed  1 file +1 −1  a1b2c3d..e4f5a6b  opened by key:…: "Make it upper case."` */
export function roundLine(r: Round): string {
  const size = `${r.files === 1 ? "1 file" : `${r.files} files`} +${r.additions} −${r.deletions}`;
  const span = `${r.from.slice(0, 7)}..${r.to.slice(0, 7)}`;
  const said = r.openedBy ? `  opened by ${r.openedBy.author}: ${JSON.stringify(clip(r.openedBy.text))}` : "";
  return `round ${r.round}  ${r.status ?? "running"}  ${size}  ${span}${said}`;
}

const clip = (s: string) => {
  const line = s.split("\n")[0]!;
  return line.length > 60 ? `${line.slice(0, 59)}…` : line;
};

/** The session's result when it holds a diff; otherwise a NoDiff saying why. */
export function resultOf(s: Session): Result {
  const result = read(s.result);
  if (result) return result;
  if (!terminal.includes(s.status))
    throw new NoDiff(
      `session ${s.id} is ${s.status}: it has no diff until it ends (follow it with \`orchestrator events ${s.id} --follow\`)`,
      "conflict",
      { status: s.status },
    );
  const why = s.workspace ? `it ended ${s.status} without one` : "it is not a workspace session";
  throw new NoDiff(`session ${s.id} has no diff: ${why}`, "not_found", { status: s.status });
}

/** `result` by shape: a diff with its files and patch; branch, base and worktree when present. */
export function read(result: unknown): Result | null {
  if (typeof result !== "object" || result === null) return null;
  const r = result as Record<string, unknown>;
  const d = r.diff as Partial<Diff> | undefined;
  if (typeof d !== "object" || d === null || !Array.isArray(d.files) || typeof d.patch !== "string")
    return null;
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return {
    branch: text(r.branch),
    base: text(r.base),
    worktree: text(r.worktree),
    diff: {
      files: d.files,
      additions: d.additions ?? d.files.reduce((n, f) => n + f.additions, 0),
      deletions: d.deletions ?? d.files.reduce((n, f) => n + f.deletions, 0),
      patch: d.patch,
    },
  };
}

/**
 * ```
 * branch    orchestrator/<id> (from 48024b3)
 * worktree  /data/worktrees/<id>
 *   hello.txt  +1  −0  added
 *   notes.md   +1  −1
 *   2 files changed, +2 −1
 * ```
 */
export function summary(r: Result): string[] {
  const lines: string[] = [];
  if (r.branch) lines.push(`branch    ${r.branch}${r.base ? ` (from ${r.base.slice(0, 7)})` : ""}`);
  if (r.worktree) lines.push(`worktree  ${r.worktree}`);
  const { files, additions, deletions } = r.diff;
  if (files.length === 0) return [...lines, "  no changes"];
  const rows = files.map((f) => [f.file, `+${f.additions}`, `−${f.deletions}`, f.status ?? ""]);
  for (const l of Out.table(["", "", "", ""], rows).slice(1)) lines.push(`  ${l}`);
  const n = files.length === 1 ? "1 file" : `${files.length} files`;
  return [...lines, `  ${n} changed, +${additions} −${deletions}`];
}
