import { sql } from "drizzle-orm";
import { Status, leased, parked, terminal } from "@orchestrator/sdk";

/**
 * The session status sets as the server uses them, all derived from the SDK's lists (sdk/session.ts), so a
 * new status is added in one place. `status.test.ts` checks that the sets cover every status once and that
 * the database's CHECK constraints and partial indexes (written by the migrations) say the same.
 */

export { leased, parked, terminal };
export const all: readonly Status[] = Status.options;
/** Leased and not blocked on a person: a run that should be making progress. */
export const working: readonly Status[] = leased.filter((s) => s !== "waiting");
/** Not ended: a session whose workspace may still be in use. */
export const live: readonly Status[] = all.filter((s) => !terminal.includes(s));

export const isLeased = (status: Status): boolean => leased.includes(status);

/**
 * `('running','degraded','waiting')`: a literal SQL list. Literal, not parameters: CHECK constraints and
 * partial index predicates must be, and a query whose `status in (…)` repeats an index predicate word for
 * word can use that index under any plan. Safe to inline: the names come from the SDK's enum, and are
 * checked here to be plain words all the same.
 */
export function list(states: readonly Status[]): string {
  for (const s of states) if (!/^[a-z_]+$/.test(s)) throw new Error(`not a status name: ${s}`);
  return `(${states.map((s) => `'${s}'`).join(",")})`;
}

/** For `status in ${…}` in queries. */
export const leasedSql = sql.raw(list(leased));
export const workingSql = sql.raw(list(working));
export const liveSql = sql.raw(list(live));
/** Sessions past their deadline that have a run to stop, or may still get one. */
export const overdueSql = sql.raw(list([...leased, "queued"]));

/** The schema's CHECK constraints on `sessions.status`, as drizzle-kit writes them into migrations. */
export const checks = {
  status: `status in ${list(all)}`,
  lease: `(status in ${list(leased)}) = (lease_owner is not null)`,
  /** The predicate of the partial indexes over leased sessions. */
  leased: `status in ${list(leased)}`,
};
