import type { Command } from "commander";
import { context } from "../context.ts";
import * as Out from "../output.ts";

export function register(program: Command): void {
  const agents = program.command("agents").description("the agents the server can run");
  agents
    .command("ls")
    .alias("list")
    .description("list registered agents")
    .action(async (_opts, cmd: Command) => {
      const { client, json } = context(cmd);
      const items = await client.agents.list();
      if (json) return Out.json({ items });
      for (const line of Out.agents(items)) Out.print(line);
    });
}
