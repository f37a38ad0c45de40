import type { Event } from "@orchestrator/sdk";
import { type Command, InvalidArgumentError } from "commander";
import { context } from "../context.ts";
import * as Out from "../output.ts";
import { follow } from "./events.ts";

export function register(program: Command): void {
  program
    .command("send")
    .argument("<id>", "session id")
    .argument("[message...]", "what to tell the agent (may be empty with --comment)")
    .description(
      "send the agent a message: a running session's agent reads it at its next turn (OpenCode; --steer: at once) or as it comes (EAP, A2A); an ended one continues its conversation in a new round",
    )
    .option("-s, --steer", "stop the agent's current turn and make this its next prompt")
    .option(
      "-c, --comment <file:line=text>",
      "request changes: a comment on a line of the session's diff (file:-line for a removed line); repeat for more",
      (v: string, all: Comment[] = []) => [...all, comment(v)],
    )
    .option("-f, --follow", "stream the session until it ends (exit 0 if it completes, 7 otherwise)")
    .action(
      async (
        id: string,
        words: string[],
        o: { steer?: boolean; follow?: boolean; comment?: Comment[] },
        cmd: Command,
      ) => {
        const { client, json } = context(cmd);
        const comments = o.comment ?? [];
        const sent = await client.sessions.send(id, words.join(" "), { steer: o.steer ?? false, comments });
        const said = sent.newRound
          ? `sent to ${id}: ${sent.session.status} for round ${sent.message.round + 1}`
          : `sent to ${id} (${sent.session.status}): ${o.steer ? "its current turn stops, and this is the next prompt" : "the agent reads it at its next turn"}`;
        if (!o.follow) {
          if (json) return Out.json(sent);
          return Out.print(
            `${said} (follow it with \`orchestrator events ${id} --follow --after ${sent.session.lastSeq}\`)`,
          );
        }
        if (!json) Out.print(said);
        const show = (e: Event) => (json ? Out.json(e) : Out.print(Out.event(e)));
        process.exitCode = await follow(client, id, sent.session.lastSeq, show);
      },
    );
}

/** `file:line=text`, or `file:-line=text` for a removed line (numbered as before the change). */
type Comment = { file: string; line: number; side: "new" | "old"; text: string };

function comment(v: string): Comment {
  const m = /^(.+?):(-?)(\d+)=([\s\S]+)$/.exec(v);
  if (!m)
    throw new InvalidArgumentError(
      `--comment ${v}: expected file:line=text, e.g. src/a.ts:12=use the helper`,
    );
  return { file: m[1]!, line: Number(m[3]), side: m[2] ? "old" : "new", text: m[4]! };
}
