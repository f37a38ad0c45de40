import type { Command } from "commander";
import { context } from "../context.ts";
import { Usage, code } from "../exit.ts";
import * as Out from "../output.ts";
import { api } from "../plan/api.ts";
import { type Where, color, target, where } from "../plan/flags.ts";
import { show } from "../plan/view.ts";

/**
 * `plan ask "<goal>"`: an agent plans the goal (POST /api/v1/plans/planner). Waits for its answer: the
 * draft's graph, or the reasons both of its answers were refused.
 */
export function register(plan: Command): void {
  target(
    plan
      .command("ask")
      .argument("<goal>", "what the work should achieve, in words")
      .description(
        "have an agent plan a goal: a draft whose graph its answer fills (checked like a posted one)",
      )
      .option("--title <title>", "the plan's title (default: the goal's first line, up to 80 characters)")
      .option("--profile <name>", "the OpenCode profile (its model) that plans")
      .option("--agent <name>", "a registered agent that plans (instead of --profile)")
      .option("--start", "start the plan as soon as a valid graph comes back"),
  ).action(async (goal: string, o: Flags, cmd: Command) => {
    const ctx = context(cmd);
    const title = o.title ?? goal.trim().split("\n")[0]!.trim().slice(0, 80).trim();
    if (!title) throw new Usage("the goal is empty");
    const plans = api(ctx.target);
    const made = await plans.planner({
      title,
      goal,
      ...(o.profile ? { profile: o.profile } : {}),
      ...(o.agent ? { agent: o.agent } : {}),
      ...(o.start ? { start: true } : {}),
      ...where(o),
    } as never);
    if (!ctx.json) Out.print(`planning ${made.id} (session ${made.planner?.sessionId ?? "?"})…`);
    let v = made;
    while (v.status === "draft" && v.tasks.length === 0) {
      await new Promise((r) => setTimeout(r, 500));
      v = await plans.get(made.id);
    }
    if (ctx.json) return Out.json(v);
    if (v.status === "failed" && v.tasks.length === 0) {
      Out.print(
        `the planner's answers were refused: see its session ${v.planner?.sessionId} and the plan's log`,
      );
      process.exitCode = code.unsuccessful;
      return;
    }
    for (const l of show(v, { color: color() })) Out.print(l);
    if (v.status === "draft")
      Out.print(`\ndraft plan ${v.id}; start it with: orchestrator plan start ${v.id}`);
  });
}

interface Flags extends Where {
  title?: string;
  profile?: string;
  agent?: string;
  start?: boolean;
}
