import type { GroupTotals, Stats, Totals } from "@orchestrator/sdk";
import type { Command } from "commander";
import { int } from "../args.ts";
import { context } from "../context.ts";
import * as Out from "../output.ts";

export function register(program: Command): void {
  program
    .command("stats")
    .description("totals of the sessions created in the last days: per day, project and agent")
    .option("--days <n>", "how many UTC days, today included (1–90, default 14)", int)
    .action(async (o: { days?: number }, cmd: Command) => {
      const { client, json } = context(cmd);
      const stats = await client.sessions.stats({ days: o.days });
      if (json) return Out.json(stats);
      for (const line of report(stats)) Out.print(line);
    });
}

const head = ["SESSIONS", "DONE", "FAILED", "CANCELLED", "ACTIVE", "TOKENS", "COST", "RUN TIME"];
const cells = (t: Totals) => [
  String(t.sessions),
  String(t.completed),
  String(t.failed),
  String(t.cancelled),
  String(t.active),
  Out.compact(t.tokens),
  Out.dollars(t.cost),
  Out.duration(t.durationSec * 1000),
];
const named = (g: GroupTotals, none: string) => [g.name ?? none, ...cells(g)];

/** Three tables: the days (oldest first, so today is the last line), then the projects and the agents. */
export function report(stats: Stats): string[] {
  const { days } = stats;
  const all = days.reduce(
    (a, d) => {
      for (const k of Object.keys(a) as (keyof Totals)[]) a[k] += d[k];
      return a;
    },
    { sessions: 0, completed: 0, failed: 0, cancelled: 0, active: 0, tokens: 0, cost: 0, durationSec: 0 },
  );
  const span = `${days[0]!.day} to ${days.at(-1)!.day} (UTC)`;
  const lines = [`Sessions created ${span}: ${all.sessions}`, ""];
  lines.push(
    ...Out.table(["DAY", ...head], [...days.map((d) => [d.day, ...cells(d)]), ["total", ...cells(all)]]),
  );
  if (!all.sessions) return lines;
  lines.push(
    "",
    ...Out.table(
      ["PROJECT", ...head],
      stats.projects.map((g) => named(g, "(no project)")),
    ),
  );
  lines.push(
    "",
    ...Out.table(
      ["AGENT", ...head],
      stats.agents.map((g) => named(g, "(not claimed yet)")),
    ),
  );
  return lines;
}
