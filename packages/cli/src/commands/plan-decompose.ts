import type { Plan } from "@orchestrator/sdk";
import { type Command, Option } from "commander";
import { int } from "../args.ts";
import { context } from "../context.ts";
import { Usage } from "../exit.ts";
import * as Out from "../output.ts";
import { api } from "../plan/api.ts";
import * as File from "../plan/file.ts";
import { draftNodes, minutes, tree } from "../plan/tree.ts";
import { show } from "../plan/view.ts";
import { type Where, checked, color, target, where } from "../plan/flags.ts";

const templates = [
  "web_service_implementation",
  "refactoring_task",
  "security",
  "microservice",
  "crud",
  "ui",
];

/** `plan decompose "<goal>"`: the server's heuristics make a draft graph; print it, save it, or create it. */
export function register(plan: Command): void {
  target(
    plan
      .command("decompose")
      .argument("<goal>", "what the work should achieve, in words")
      .description(
        "break a goal into a draft plan by the server's heuristics and show why; creates the draft unless --dry-run",
      )
      .option("--title <title>", "the plan's title (default: the goal's first line, up to 80 characters)")
      .addOption(
        new Option("--template <name>", "use this template or rule alone instead of matching words").choices(
          templates,
        ),
      )
      .option("--max-tasks <n>", "at most this many tasks (1–100, default 50)", int)
      .option("--dry-run", "only show the draft: create nothing")
      .option("-o, --output <file>", "write the draft as YAML, to edit and then `plan run -f` it"),
  ).action(async (goal: string, o: Flags, cmd: Command) => {
    const ctx = context(cmd);
    const title = o.title ?? goal.trim().split("\n")[0]!.trim().slice(0, 80).trim();
    if (!title) throw new Usage("the goal is empty");
    const plans = api(ctx.target);
    const d = await plans.decompose({ title, goal, template: o.template as never, maxTasks: o.maxTasks });
    const body = { ...d.draft, ...where(o) };
    if (o.output) File.write(o.output, body);
    if (o.dryRun) {
      if (ctx.json) return Out.json(d);
      for (const l of [...analysis(d), "", ...tree(draftNodes(d.draft.tasks, d.draft.title), d.draft.edges)])
        Out.print(l);
      if (o.output) Out.print(`\nwrote ${o.output}; run it with: orchestrator plan run -f ${o.output}`);
      return;
    }
    const v = await checked(() => plans.create({ ...body, start: false }), "the draft", body, ctx.json);
    if (ctx.json) return Out.json(v);
    for (const l of [...analysis(d), "", ...show(v, { color: color() })]) Out.print(l);
    if (o.output) Out.print(`\nwrote ${o.output}`);
    Out.print(`\ncreated draft plan ${v.id}; start it with: orchestrator plan start ${v.id}`);
  });
}

interface Flags extends Where {
  title?: string;
  template?: string;
  maxTasks?: number;
  dryRun?: boolean;
  output?: string;
}

/** Why the draft looks as it does: the goal's band, what matched and on which words, the capabilities. */
export function analysis(d: Plan.Decomposition): string[] {
  const a = d.analysis;
  const lines = [`band          ${a.band} (score ${a.score}, about ${minutes(a.expected).slice(1)} of work)`];
  a.matched.forEach((m, i) => {
    const by =
      m.by === "words"
        ? `, on ${m.why.map((w) => `"${w}"`).join(", ")}`
        : m.by === "name"
          ? ", asked for by name"
          : ": no template or rule matched";
    lines.push(`${i === 0 ? "matched" : ""}`.padEnd(14) + `${m.name} (${m.kind}${by})`);
  });
  if (a.capabilities.length) lines.push(`capabilities  ${a.capabilities.join(", ")}`);
  if (a.dropped) lines.push(`(${a.dropped} tasks left out by --max-tasks)`);
  return lines;
}
