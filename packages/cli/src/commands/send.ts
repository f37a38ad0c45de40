import type { Event } from "@orchestrator/sdk";
import type { Command } from "commander";
import { context } from "../context.ts";
import * as Out from "../output.ts";
import { follow } from "./events.ts";

export function register(program: Command): void {
  program
    .command("send")
    .argument("<id>", "session id")
    .argument("<message...>", "what to tell the agent")
    .description(
      "send the agent a follow-up: an ended OpenCode session continues its conversation on the same branch",
    )
    .option("-f, --follow", "stream the new round until it ends (exit 0 if it completes, 7 otherwise)")
    .action(async (id: string, words: string[], o: { follow?: boolean }, cmd: Command) => {
      const { client, json } = context(cmd);
      const sent = await client.sessions.send(id, words.join(" "));
      const said = `sent to ${id}: ${sent.session.status} for round ${sent.message.round + 1}`;
      if (!o.follow) {
        if (json) return Out.json(sent);
        return Out.print(
          `${said} (follow it with \`orchestrator events ${id} --follow --after ${sent.session.lastSeq}\`)`,
        );
      }
      if (!json) Out.print(said);
      const show = (e: Event) => (json ? Out.json(e) : Out.print(Out.event(e)));
      process.exitCode = await follow(client, id, sent.session.lastSeq, show);
    });
}
