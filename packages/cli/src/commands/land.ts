import { ApiError, type PullRequest } from "@orchestrator/sdk";
import type { Command } from "commander";
import { context } from "../context.ts";
import * as Out from "../output.ts";

export function register(program: Command): void {
  program
    .command("land")
    .argument("<id>", "session id")
    .description(
      "land a finished session's work: merge its branch into your base branch (only when safe), push it to the project's remote, or open a pull request",
    )
    .option("--merge", "merge into the base branch in your repository (the default)")
    .option("--push", "push the branch to the project's remote")
    .option("--pr", "push, then open (or find) a pull request on GitHub or GitLab")
    .option("--status", "show the session's pull request, its state read again from the forge")
    .action(
      async (
        id: string,
        o: { merge?: boolean; push?: boolean; pr?: boolean; status?: boolean },
        cmd: Command,
      ) => {
        const { client, json } = context(cmd);
        const picked = [o.merge, o.push, o.pr, o.status].filter(Boolean).length;
        if (picked > 1) throw new Error("choose one of --merge, --push, --pr, --status");
        if (o.push) {
          const p = await client.sessions.push(id);
          if (json) return Out.json(p);
          return Out.print(
            p.outcome === "already"
              ? `${p.remote} already has ${p.branch} at ${p.commit.slice(0, 10)}`
              : `pushed ${p.branch} to ${p.remote} at ${p.commit.slice(0, 10)}`,
          );
        }
        if (o.pr || o.status) {
          const pr = o.pr ? await client.sessions.openPullRequest(id) : await client.sessions.pullRequest(id);
          if (json) return Out.json(pr);
          return Out.print(describe(pr));
        }
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
      },
    );
}

function describe(pr: PullRequest): string {
  const kind = pr.forge === "gitlab" ? "merge request !" : "pull request #";
  return `${kind}${pr.number} ${pr.state}: ${pr.url}\n  ${pr.head} → ${pr.base}  (state read ${pr.checkedAt})`;
}
