import { ApiError } from "@orchestrator/sdk";
import type { Command } from "commander";
import { context } from "../context.ts";
import * as Out from "../output.ts";

export function register(program: Command): void {
  program
    .command("land")
    .argument("<id>", "session id")
    .description(
      "land a finished session's work: merge its branch into the base branch of your repository, only when safe (push and pull requests are not built yet)",
    )
    .option("--merge", "merge into the base branch (the default, and so far the only way)")
    .action(async (id: string, _o: { merge?: boolean }, cmd: Command) => {
      const { client, json } = context(cmd);
      try {
        const m = await client.sessions.merge(id);
        if (json) return Out.json(m);
        if (m.outcome === "already")
          return Out.print(`${m.base} already holds ${m.branch}: nothing to merge`);
        const how = m.fastForward ? "fast-forward" : "merge commit";
        const where = m.checkout ? `; the checkout in ${m.checkout} moved with it` : "";
        Out.print(`merged ${m.branch} into ${m.base} (${how}) at ${m.commit.slice(0, 10)}${where}`);
      } catch (err) {
        // A conflict is for the agent to fix: say how to ask it, then fail as any refusal does.
        const d = err instanceof ApiError ? (err.details as { followUp?: string } | undefined) : undefined;
        if (d?.followUp && !json)
          process.stderr.write(
            `to ask the agent to rebase: orchestrator send ${id} --follow ${JSON.stringify(d.followUp)}\n`,
          );
        throw err;
      }
    });
}
