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

/** A tenant's statistics, read once per forecast (a few rows per task type). */
export async function load(q: Q, tenantId: string): Promise<Learnt> {
  const rows = await q.rows<{
    type: string;
    capability: string;
    samples: number;
    ratio: number;
    minutes: number;
  }>(sql`select type, capability, samples, ratio, minutes from estimate_stats where tenant_id = ${tenantId}`);
  const by = new Map(rows.map((r) => [`${r.type}\u0000${r.capability}`, r]));
  const stat = (type: string, cap: string): Stat | undefined => {
    const r = by.get(`${type}\u0000${cap}`);
    return r ? { ratio: Number(r.ratio), samples: Number(r.samples) } : undefined;
  };
  return {
    stat: (type, caps) => merge(caps.length ? caps.map((c) => stat(type, c)) : [stat(type, "*")]),
    minutes: (type) => {
      const r = by.get(`${type}\u0000*`);
      return r ? Number(r.minutes) : undefined;
    },
  };
}

/** Record a task's actual duration, in the transaction that ends it. */
export async function record(q: Q, tenantId: string, task: TaskRow, now: Date): Promise<void> {
  if (!task.startedAt) return;
  const actual = (now.getTime() - Date.parse(task.startedAt)) / 60_000;
  const expected = task.estimate ? pert(task.estimate).expected : 0;
  for (const cap of ["*", ...task.capabilities]) {
    const rows = await q.rows<{ samples: number; ratio: number; minutes: number }>(sql`
      select samples, ratio, minutes from estimate_stats
      where tenant_id = ${tenantId} and type = ${task.type} and capability = ${cap} for update`);
    const old = rows[0];
    const before = old ? { ratio: Number(old.ratio), samples: Number(old.samples) } : undefined;
    const next = learn(before, expected, actual) ?? before ?? { ratio: 1, samples: 0 };
    const minutes = old ? alpha * actual + (1 - alpha) * Number(old.minutes) : actual;
    // An upsert: the first task of a type creates its row, later ones move the averages.
    await q.rows(sql`
      insert into estimate_stats (tenant_id, type, capability, samples, ratio, minutes, updated_at)
      values (${tenantId}, ${task.type}, ${cap}, ${Math.max(next.samples, (old?.samples ?? 0) + 1)}, ${next.ratio},
        ${minutes}, ${now.toISOString()})
      on conflict (tenant_id, type, capability) do update set samples = excluded.samples, ratio = excluded.ratio,
        minutes = excluded.minutes, updated_at = excluded.updated_at`);
  }
}
