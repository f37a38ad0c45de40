import type { CheckpointItem, Client, Session } from "@orchestrator/sdk";
import { Argument, type Command } from "commander";
import { int } from "../args.ts";
import { context } from "../context.ts";
import { Usage } from "../exit.ts";
import * as Out from "../output.ts";
import { header, watch } from "../watch.ts";

export function register(program: Command): void {
  program
    .command("checkpoints")
    .argument("<id>", "session id")
    .addArgument(
      new Argument("[action]", "restore or fork (without: list them)").choices(["restore", "fork"]),
    )
    .addArgument(new Argument("[seq]", "the checkpoint's seq, as the list shows it").argParser(int))
    .description(
      "a coding session's checkpoints (one per step that changed files); restore rewinds the session to one, fork starts a new session from one",
    )
    .option("--prompt <text>", "fork: the new session's prompt (default: the original's)")
    .option("--title <title>", "fork: the new session's title (default: the original's, with (fork))")
    .option("--follow", "fork: watch the new session live until it ends, as `run` does")
    .action(
      async (id: string, action: string | undefined, seq: number | undefined, o: Flags, cmd: Command) => {
        const { client, json } = context(cmd);
        if (action !== "fork" && (o.prompt !== undefined || o.title !== undefined || o.follow))
          throw new Usage("--prompt, --title and --follow go with fork");
        if (!action) return list(client, id, json);
        if (seq === undefined)
          throw new Usage(`${action} needs the checkpoint's seq (see \`orchestrator checkpoints ${id}\`)`);
        if (action === "restore") return restore(client, id, seq, json);
        const s = await client.checkpoints.fork(id, seq, { prompt: o.prompt, title: o.title });
        if (!o.follow) return json ? Out.json(s) : Out.print(s.id);
        if (!json) Out.print(header(s));
        process.exitCode = await watch(client, s.id, json);
      },
    );
}

interface Flags {
  prompt?: string;
  title?: string;
  follow?: boolean;
}

async function list(client: Client, id: string, json: boolean): Promise<void> {
  const items = await client.checkpoints.list(id);
  if (json) return Out.json({ items });
  if (items.length === 0) return Out.print(`no checkpoints: session ${id} has not made one`);
  for (const l of table(items)) Out.print(l);
}

/**
 * ```
 *    SEQ  TIME      COMMIT
 *    7    08:24:03  2736a6b  start
 * *  15   08:24:05  e4f5a6b
 * ```
 * `*` marks the checkpoint the next run starts from; `start` is the one made before the first step.
 */
function table(items: CheckpointItem[]): string[] {
  const time = (iso: string) => new Date(iso).toTimeString().slice(0, 8);
  const rows = items.map((c) => [
    c.current ? "*" : "",
    String(c.seq),
    time(c.at),
    c.commit.slice(0, 7),
    c.messageId === null ? "start" : "",
  ]);
  return Out.table(["", "SEQ", "TIME", "COMMIT", ""], rows);
}

async function restore(client: Client, id: string, seq: number, json: boolean): Promise<void> {
  const s = await client.checkpoints.restore(id, seq);
  if (json) return Out.json(s);
  Out.print(`restored ${s.id} to checkpoint #${seq}  (${s.status})`);
  Out.print(`continue from there with: orchestrator sessions ${next(s)} ${s.id}`);
}

/** A paused session resumes; one that ended is retried. */
const next = (s: Session) => (s.status === "paused" ? "resume" : "retry");
