import type { Command } from "commander";
import { context } from "../context.ts";
import * as Out from "../output.ts";

export function register(program: Command): void {
  const profiles = program
    .command("profiles")
    .description("agent profiles: the model, and what the agent may do without asking (`run --profile`)");
  profiles
    .command("ls")
    .alias("list")
    .description("list agent profiles; * marks the one a session gets when it names none")
    .action(async (_o, cmd: Command) => {
      const { client, json } = context(cmd);
      const { items, default: fallback } = await client.profiles.list();
      if (json) return Out.json({ items, default: fallback });
      const rows = items.map((p) => [
        p.name === fallback ? "*" : "",
        p.name,
        p.model,
        p.autonomous ? "autonomous" : "asks",
        p.available ? "yes" : `no${p.reason ? `: ${p.reason}` : ""}`,
        p.label,
      ]);
      for (const l of Out.table(["", "NAME", "MODEL", "MODE", "AVAILABLE", "LABEL"], rows)) Out.print(l);
    });
}
