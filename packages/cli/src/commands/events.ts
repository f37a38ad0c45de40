import { type Client, type Event, type Session, endsSession, terminal } from "@orchestrator/sdk";
import type { Command } from "commander";
import { int } from "../args.ts";
import { context } from "../context.ts";
import { code } from "../exit.ts";
import * as Out from "../output.ts";

export function register(program: Command): void {
  program
    .command("events")
    .argument("<id>", "session id")
    .description("a session's event log; --follow streams it live until the session ends")
    .option("--after <seq>", "only events after this sequence number", int, 0)
    .option("-f, --follow", "stream live events; exit when the session ends (0 if completed, 7 otherwise)")
    .action(async (id: string, o: { after: number; follow?: boolean }, cmd: Command) => {
      const { client, json } = context(cmd);
      const show = (e: Event) => (json ? Out.json(e) : Out.print(Out.event(e)));
      if (!o.follow) return void (await printLog(client, id, o.after, show));
      process.exitCode = await follow(client, id, o.after, show);
    });
}

/** Every event after `after`, page by page. */
async function printLog(client: Client, id: string, after: number, show: (e: Event) => void): Promise<void> {
  const limit = 1000;
  for (;;) {
    const items = await client.events.list(id, { after, limit });
    items.forEach(show);
    if (items.length < limit) return;
    after = items.at(-1)!.seq;
  }
}

const outcome = (status: string) => (status === "completed" ? code.ok : code.unsuccessful);

export async function follow(
  client: Client,
  id: string,
  after: number,
  show: (e: Event) => void,
): Promise<number> {
  const session: Session = await client.sessions.get(id);
  // An ended session's terminal event may lie before --after, so the stream would never show it: print
  // what is left of the log and answer from the session itself.
  if (terminal.includes(session.status)) {
    await printLog(client, id, after, show);
    return outcome(session.status);
  }
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  let final = "";
  try {
    const { ended } = await client.events.follow(id, {
      after,
      signal: stop.signal,
      until: endsSession,
      onEvent: (e) => {
        show(e);
        if (endsSession(e)) final = e.data.to;
      },
      onReconnect: ({ error, delayMs, after }) => {
        const why = error instanceof Error ? error.message : String(error);
        Out.warn(`connection lost (${why}); reconnecting in ${delayMs} ms from #${after}`);
      },
    });
    return ended ? outcome(final) : code.interrupted;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}
