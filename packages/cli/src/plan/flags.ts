import path from "node:path";
import { type Command, Option } from "commander";
import * as Config from "../config.ts";
import { Usage } from "../exit.ts";
import type { Body } from "./file.ts";
import type { Mode } from "./live.ts";
import { issues } from "./view.ts";

/** What the plan commands share: where a plan works, colour, the live mode, and 422s in a file's terms. */

export interface Where {
  project?: string;
  repo?: string;
  ref?: string;
}

/** The options that say which repository a plan works on. */
export function target(cmd: Command): Command {
  return cmd
    .addOption(new Option("--project <name>", "a registered project: tasks run on its integration branch"))
    .addOption(
      new Option("--repo <path>", "a git repository to work on (instead of --project)").conflicts("project"),
    )
    .addOption(
      new Option("--ref <branch>", "with --repo: the base branch (default: its current one)").conflicts(
        "project",
      ),
    );
}

/** --project or --repo as the body's fields; the server resolves a path in its own directory. */
export function where(o: Where): Record<string, unknown> {
  if (o.ref && !o.repo) throw new Usage("--ref needs --repo");
  if (o.project) return { project: o.project };
  if (o.repo) return { workspace: { repo: path.resolve(o.repo), ...(o.ref ? { ref: o.ref } : {}) } };
  return {};
}

/** Whether to colour: a terminal, and no NO_COLOR. */
export const color = () => process.stdout.isTTY === true && !Config.noColor();

export const live = (json: boolean): Mode => ({
  json,
  tty: process.stdout.isTTY === true,
  color: color(),
  size: () => ({ columns: process.stdout.columns || 80, rows: process.stdout.rows || 24 }),
});

/**
 * Send a plan; a 422 is printed one field per line in the file's terms (`tasks[2] (key "x").prompt`)
 * and exits with the usage code. With --json the error goes as JSON, as every command's does.
 */
export async function checked<T>(
  send: () => Promise<T>,
  file: string,
  body: Body,
  json: boolean,
): Promise<T> {
  try {
    return await send();
  } catch (err) {
    const lines = json ? null : issues(err, body);
    if (!lines) throw err;
    throw new Usage([`${file === "-" ? "the plan" : file} is not a valid plan:`, ...lines].join("\n"));
  }
}
