import { createClient } from "@orchestrator/sdk";
import type { Command } from "commander";
import * as Config from "../config.ts";
import type { Globals } from "../context.ts";
import { Usage } from "../exit.ts";
import * as Out from "../output.ts";

export function register(program: Command): void {
  program
    .command("login")
    .description(
      "check an API key against a server and save both as a context (use the global --url, --key, --context)",
    )
    .action(async (_o, cmd: Command) => {
      const globals = cmd.optsWithGlobals<Globals>();
      const target = Config.resolve(globals);
      // Re-saving a key read back from the context itself would hide a forgotten --key.
      if (target.keyFrom !== "flag" && target.keyFrom !== "env")
        throw new Usage("login needs --key <key> (or ORCHESTRATOR_API_KEY)");
      const key = target.key!;
      const client = createClient({ url: target.url, key });
      const stats = await client.sessions.stats(); // 401 here means the key is wrong: nothing is saved
      const file = Config.save(target.context, { url: client.url, key });
      if (globals.json)
        return Out.json({ context: target.context, url: client.url, file, sessions: stats.total });
      Out.print(
        `logged in to ${client.url} (${stats.total} sessions); saved as context "${target.context}" in ${file}`,
      );
    });
}
