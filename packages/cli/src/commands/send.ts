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
      "send the agent a message: a running OpenCode session reads it at its next turn (--steer: at once); an ended one continues its conversation on the same branch",
    )
    .option("-s, --steer", "stop the agent's current turn and make this its next prompt")
    .option("-f, --follow", "stream the session until it ends (exit 0 if it completes, 7 otherwise)")
    .action(async (id: string, words: string[], o: { steer?: boolean; follow?: boolean }, cmd: Command) => {
      const { client, json } = context(cmd);
      const sent = await client.sessions.send(id, words.join(" "), { steer: o.steer ?? false });
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
    });
}
