import path from "node:path";
import { type Command, Option } from "commander";
import type { Plan } from "@orchestrator/sdk";
import { int } from "../args.ts";
import { context } from "../context.ts";
import * as Out from "../output.ts";
import { api } from "../plan/api.ts";
import * as File from "../plan/file.ts";
import { type Where, checked, color, live, target, where } from "../plan/flags.ts";
import { follow } from "../plan/live.ts";
import * as Land from "./land.ts";
import * as Ask from "./plan-ask.ts";
import { head, reason, show } from "../plan/view.ts";
import * as Decompose from "./plan-decompose.ts";

/** `plan …`: big work as a graph of tasks (issue 15), over the Plans API. */
export function register(program: Command): void {
  const plan = program
    .command("plan")
    .alias("plans")
    .description("run a graph of tasks (a plan): from a YAML or JSON file, or decomposed from a goal");

  target(
    plan
      .command("run")
      .description("start the plan in a file and watch its tasks live until it ends; Ctrl-C detaches")
      .requiredOption("-f, --file <file>", "the plan: YAML or JSON ('-' reads standard input)")
      .option("--title <title>", "the plan's title (default: the file's, else its name)"),
  )
    .option("--max-parallel <n>", "tasks running at once (default: the file's policy, else 4)", int)
    .option("--no-fail-fast", "after a failure, keep starting the tasks that may still run")
    .addOption(
      new Option(
        "--on-conflict <policy>",
        "a task whose merge conflicts: waits for a person (attention), or runs again from the integration branch to merge its work (resolve)",
      ).choices(["attention", "resolve"]),
    )
    .option("--detach", "print the new plan's id and return at once")
    .action(async (o: RunFlags, cmd: Command) => {
      const ctx = context(cmd);
      const body = File.read(o.file);
      const policy = { ...(body.policy as object | undefined) } as Record<string, unknown>;
      if (o.maxParallel !== undefined) policy.maxParallel = o.maxParallel;
      if (o.failFast === false) policy.failFast = false;
      if (o.onConflict) policy.onConflict = o.onConflict;
      const title = o.title ?? body.title ?? path.basename(o.file, path.extname(o.file));
      const input = { ...body, title, ...where(o), policy, start: true };
      const plans = api(ctx.target);
      const v = await checked(() => plans.create(input as never), o.file, input, ctx.json);
      if (o.detach) return ctx.json ? Out.json(v) : Out.print(v.id);
      // Its whole log: the plan was just made, so all of it is this run.
      process.exitCode = await follow(plans, v, live(ctx.json), 0);
    });

  plan
    .command("watch")
    .argument("<id>", "plan id")
    .description("watch a plan live until it ends, as `plan run` does; Ctrl-C detaches")
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = context(cmd);
      const plans = api(ctx.target);
      const v = await plans.get(id);
      if (v.status === "draft") {
        if (ctx.json) return Out.json(v);
        for (const l of show(v, { color: color() })) Out.print(l);
        return Out.print(`a draft: start it with \`orchestrator plan start ${v.id}\``);
      }
      process.exitCode = await follow(plans, v, live(ctx.json));
    });

  Decompose.register(plan);
  Ask.register(plan);

  Land.flags(
    plan
      .command("land")
      .argument("<id>", "plan id")
      .description(
        "land a finished plan's integration branch: merge it into the base branch (only when safe), push it, or open a pull request",
      ),
    "the integration branch",
  ).action(async (id: string, o: Parameters<typeof Land.land>[2], cmd: Command) => {
    const ctx = context(cmd);
    await Land.land(api(ctx.target), id, o, ctx.json);
  });

  plan
    .command("show")
    .argument("<id>", "plan id")
    .description("a plan's tasks as a tree: states, sessions, estimates against actual times, critical path")
    .action(async (id: string, _o, cmd: Command) => {
      const ctx = context(cmd);
      const v = await api(ctx.target).get(id);
      if (ctx.json) return Out.json(v);
      for (const l of show(v, { color: color() })) Out.print(l);
      for (const t of v.tasks) {
        const why = reason(t.reason);
        if (why) Out.print(`  ${t.key}  ${t.status}: ${why}`);
      }
      if (v.actions.length) Out.print(`actions   ${v.actions.join(", ")}`);
    });

  plan
    .command("ls")
    .alias("list")
    .description("list plans, newest first")
    .option(
      "--status <status>",
      "only this status (draft, running, succeeded, failed, partially_succeeded, cancelled)",
    )
    .option("--limit <n>", "page size, 1–200 (default 50)", int)
    .action(async (o: { status?: string; limit?: number }, cmd: Command) => {
      const ctx = context(cmd);
      const page = await api(ctx.target).list({
        status: o.status as Plan.PlanStatus | undefined,
        limit: o.limit,
      });
      if (ctx.json) return Out.json(page);
      if (page.items.length === 0) return Out.print("no plans");
      const rows = page.items.map((p) => {
        const total = Object.values(p.counts).reduce((a, b) => a + b, 0);
        const done = p.counts.succeeded ?? 0;
        const status = p.paused ? `${p.status} (paused)` : p.status;
        return [status, Out.clip(p.title, 40), p.id, `${done}/${total}`, Out.age(p.createdAt)];
      });
      for (const l of Out.table(["STATUS", "TITLE", "ID", "SUCCEEDED", "AGE"], rows)) Out.print(l);
      if (page.nextCursor) Out.warn("(more: use --limit)");
    });

  const actions = [
    ["start", "start a draft: its integration branch is cut and the first tasks launch"],
    ["cancel", "cancel a plan: nothing new starts and running tasks' sessions are cancelled"],
    ["pause", "pause a plan: nothing new starts; running tasks go on"],
    ["resume", "resume a paused plan"],
  ] as const;
  for (const [action, description] of actions)
    plan
      .command(action)
      .argument("<id>", "plan id")
      .description(description)
      .action(async (id: string, _o, cmd: Command) => {
        const ctx = context(cmd);
        const v = await api(ctx.target).act(id, action);
        if (ctx.json) return Out.json(v);
        Out.print(head(v));
        if (action === "start") Out.print(`watch it with: orchestrator plan watch ${v.id}`);
      });

  for (const [action, description] of [
    ["retry", "run a failed, conflicted or cancelled task again (and what ended because of it)"],
    ["skip", "skip a task that has not run, or failed: its dependents decide as if it were skipped"],
  ] as const)
    plan
      .command(action)
      .argument("<id>", "plan id")
      .argument("<task>", "the task's key")
      .description(description)
      .action(async (id: string, key: string, _o, cmd: Command) => {
        const ctx = context(cmd);
        const v = await api(ctx.target).task(id, key, action);
        if (ctx.json) return Out.json(v);
        const t = v.tasks.find((x) => x.key === key);
        Out.print(`${key}  ${t?.status ?? "?"}`);
        Out.print(head(v));
      });
}

interface RunFlags extends Where {
  file: string;
  title?: string;
  maxParallel?: number;
  failFast?: boolean;
  onConflict?: "attention" | "resolve";
  detach?: boolean;
}
