import { sql } from "drizzle-orm";
import type { Q } from "../db/db.ts";
import { type Stat, alpha, learn, merge, pert } from "./cpm.ts";
import type { TaskRow } from "./store.ts";
import type { Learnt } from "./view.ts";

/**
 * Estimates that learn: each succeeded task adds its actual minutes to the tenant's statistics per
 * (type, capability), `*` standing for "any capability". The next plan's forecast calibrates given
 * estimates by the ratio and gives tasks without one the learnt minutes of their type.
 */

/** A row of estimate_stats: what tasks of one type (and capability, `*` for any) took. */
interface Row {
  type: string;
  capability: string;
  samples: number;
  ratio: number;
  minutes: number;
}
const key = (type: string, cap: string) => `${type}\u0000${cap}`;

/** A tenant's statistics, read once per forecast (a few rows per task type). */
export async function load(q: Q, tenantId: string): Promise<Learnt> {
  const rows = await q.rows<Row>(
    sql`select type, capability, samples, ratio, minutes from estimate_stats where tenant_id = ${tenantId}`,
  );
  const by = new Map(rows.map((r) => [key(r.type, r.capability), r]));
  const stat = (type: string, cap: string): Stat | undefined => {
    const r = by.get(key(type, cap));
    return r ? { ratio: Number(r.ratio), samples: Number(r.samples) } : undefined;
  };
  return {
    stat: (type, caps) => merge(caps.length ? caps.map((c) => stat(type, c)) : [stat(type, "*")]),
    minutes: (type) => {
      const r = by.get(key(type, "*"));
      return r ? Number(r.minutes) : undefined;
    },
  };
}

/**
 * Record tasks' actual durations (just after the step that ended them commits): the rows they touch are read and
 * locked at once, each task moves them in turn (two tasks of one type both count), and one upsert
 * writes them back.
 */
export async function record(q: Q, tenantId: string, tasks: TaskRow[], now: Date): Promise<void> {
  const timed = tasks.filter((t) => t.startedAt);
  if (!timed.length) return;
  const wanted = timed.flatMap((t) => ["*", ...t.capabilities].map((cap) => ({ type: t.type, cap })));
  const rows = await q.rows<Row>(sql`
    select s.type, s.capability, s.samples, s.ratio, s.minutes from estimate_stats s
    join jsonb_to_recordset(${JSON.stringify(wanted)}::jsonb) as w(type text, cap text)
      on s.type = w.type and s.capability = w.cap
    where s.tenant_id = ${tenantId} for update of s`);
  const stats = new Map(
    rows.map((r) => [
      key(r.type, r.capability),
      {
        type: r.type,
        capability: r.capability,
        samples: Number(r.samples),
        ratio: Number(r.ratio),
        minutes: Number(r.minutes),
      },
    ]),
  );
  for (const task of timed) {
    const actual = (now.getTime() - Date.parse(task.startedAt!)) / 60_000;
    const expected = task.estimate ? pert(task.estimate).expected : 0;
    for (const cap of ["*", ...task.capabilities]) {
      const old = stats.get(key(task.type, cap));
      const next = learn(old, expected, actual) ?? old ?? { ratio: 1, samples: 0 };
      const minutes = old ? alpha * actual + (1 - alpha) * old.minutes : actual;
      const samples = Math.max(next.samples, (old?.samples ?? 0) + 1);
      stats.set(key(task.type, cap), {
        type: task.type,
        capability: cap,
        samples,
        ratio: next.ratio,
        minutes,
      });
    }
  }
  // An upsert: the first task of a type creates its row, later ones move the averages.
  await q.rows(sql`
    insert into estimate_stats (tenant_id, type, capability, samples, ratio, minutes, updated_at)
    select ${tenantId}, x.type, x.capability, x.samples, x.ratio, x.minutes, ${now.toISOString()}
    from jsonb_to_recordset(${JSON.stringify([...stats.values()])}::jsonb)
      as x(type text, capability text, samples int, ratio float8, minutes float8)
    on conflict (tenant_id, type, capability) do update set samples = excluded.samples, ratio = excluded.ratio,
      minutes = excluded.minutes, updated_at = excluded.updated_at`);
}
