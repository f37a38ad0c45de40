import { ApiError, type Landed, type PullRequest, type Pushed } from "@orchestrator/sdk";
import type { Command } from "commander";
import { context } from "../context.ts";
import * as Out from "../output.ts";

/** What landing needs from the client: `client.sessions` and `client.plans` both have it. */
interface Lands {
  merge(id: string): Promise<Landed>;
  push(id: string): Promise<Pushed>;
  openPullRequest(id: string): Promise<PullRequest>;
  pullRequest(id: string): Promise<PullRequest>;
}

type Flags = { merge?: boolean; push?: boolean; pr?: boolean; status?: boolean };

/** The land command's flags, the same for `land <session>` and `plan land <plan>`. */
export function flags(cmd: Command, what: string): Command {
  return cmd
    .option("--merge", "merge into the base branch in your repository (the default)")
    .option("--push", `push ${what} to the project's remote`)
    .option("--pr", "push, then open (or find) a pull request on GitHub or GitLab")
    .option("--status", "show the pull request, its state read again from the forge");
}

export function register(program: Command): void {
  flags(
    program
      .command("land")
      .argument("<id>", "session id")
      .description(
        "land a finished session's work: merge its branch into your base branch (only when safe), push it to the project's remote, or open a pull request",
      ),
    "the branch",
  ).action(async (id: string, o: Flags, cmd: Command) => {
    const { client, json } = context(cmd);
    await land(client.sessions, id, o, json, (followUp) =>
      // A conflict is for the agent to fix: say how to ask it.
      process.stderr.write(
        `to ask the agent to rebase: orchestrator send ${id} --follow ${JSON.stringify(followUp)}\n`,
      ),
    );
  });
}

/** Merge, push, open a pull request or show it; prints the outcome, or fails as any refusal does. */
export async function land(
  api: Lands,
  id: string,
  o: Flags,
  json: boolean,
  onFollowUp?: (text: string) => void,
): Promise<void> {
  const picked = [o.merge, o.push, o.pr, o.status].filter(Boolean).length;
  if (picked > 1) throw new Error("choose one of --merge, --push, --pr, --status");
  if (o.push) {
    const p = await api.push(id);
    if (json) return Out.json(p);
    return Out.print(
      p.outcome === "already"
        ? `${p.remote} already has ${p.branch} at ${p.commit.slice(0, 10)}`
        : `pushed ${p.branch} to ${p.remote} at ${p.commit.slice(0, 10)}`,
    );
  }
  if (o.pr || o.status) {
    const pr = o.pr ? await api.openPullRequest(id) : await api.pullRequest(id);
    if (json) return Out.json(pr);
    return Out.print(describe(pr));
  }
  try {
    const m = await api.merge(id);
    if (json) return Out.json(m);
    if (m.outcome === "already") return Out.print(`${m.base} already holds ${m.branch}: nothing to merge`);
    const how = m.fastForward ? "fast-forward" : "merge commit";
    const where = m.checkout ? `; the checkout in ${m.checkout} moved with it` : "";
    Out.print(`merged ${m.branch} into ${m.base} (${how}) at ${m.commit.slice(0, 10)}${where}`);
  } catch (err) {
    const d = err instanceof ApiError ? (err.details as { followUp?: string } | undefined) : undefined;
    if (d?.followUp && !json) onFollowUp?.(d.followUp);
    throw err;
  }
}

function describe(pr: PullRequest): string {
  const kind = pr.forge === "gitlab" ? "merge request !" : "pull request #";
  return `${kind}${pr.number} ${pr.state}: ${pr.url}\n  ${pr.head} → ${pr.base}  (state read ${pr.checkedAt})`;
}
