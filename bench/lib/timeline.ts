// Session timings read back from the server's own records, with the server's clock at every point.
import { sql } from "drizzle-orm";
import type { Server } from "@orchestrator/server";

export interface Times {
  id: string;
  /** Epoch ms of `session.created`. */
  created: number;
  /** The claim's `session.status` → running: stamped with the start of the routing pass that claimed it. */
  claimed: number;
  /** When the agent took it (`attempts.acked_at`: pushed and answered 202, long-polled, or sent on a stream). */
  acked: number;
  /** The last `session.status` → completed. */
  completed: number;
  /** Attempts it took: more than 1 means an assignment failed on the way and was routed again. */
  attempts: number;
}

/** Wait until every session has completed; a session that ended otherwise is an error, not a number. */
export async function settled(server: Server, ids: string[], timeoutMs = 300_000): Promise<void> {
  const list = `{${ids.join(",")}}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [row] = await server.deps.db.rows<{ done: number; bad: number }>(sql`
      select count(*) filter (where status = 'completed')::int as done,
             count(*) filter (where status not in ('queued', 'running', 'completed'))::int as bad
      from sessions where id = any(${list}::uuid[])`);
    if (Number(row!.bad) > 0) throw new Error(`${row!.bad} benchmark sessions ended other than completed`);
    if (Number(row!.done) === ids.length) return;
    if (Date.now() > deadline)
      throw new Error(`only ${row!.done} of ${ids.length} sessions completed in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export async function times(server: Server, ids: string[]): Promise<Times[]> {
  const list = `{${ids.join(",")}}`;
  const rows = await server.deps.db.rows<Record<string, unknown>>(sql`
    select e.session_id as id,
      extract(epoch from min(e.at) filter (where e.type = 'session.created')) * 1000 as created,
      extract(epoch from min(e.at) filter (where e.type = 'session.status' and e.data->>'to' = 'running')) * 1000 as claimed,
      extract(epoch from max(e.at) filter (where e.type = 'session.status' and e.data->>'to' = 'completed')) * 1000 as completed,
      (select extract(epoch from max(a.acked_at)) * 1000 from attempts a where a.session_id = e.session_id) as acked,
      (select count(*) from attempts a where a.session_id = e.session_id)::int as attempts
    from session_events e where e.session_id = any(${list}::uuid[]) group by e.session_id`);
  return rows.map((r) => ({
    id: String(r.id),
    created: Number(r.created),
    claimed: Number(r.claimed),
    acked: Number(r.acked),
    completed: Number(r.completed),
    attempts: Number(r.attempts),
  }));
}

/**
 * The claim passes that routed these sessions: each pass stamps its claims with the time it started, so
 * claims sharing a timestamp came from one pass (two passes starting in the same millisecond would merge).
 */
export async function passes(
  server: Server,
  ids: string[],
): Promise<{ passes: number; sessions: number; agents: number }> {
  const list = `{${ids.join(",")}}`;
  const [row] = await server.deps.db.rows<Record<string, unknown>>(sql`
    select count(*)::int as passes, max(n)::int as sessions, max(agents)::int as agents from (
      select count(*) as n, count(distinct data->'agent'->>'id') as agents from session_events
      where session_id = any(${list}::uuid[]) and type = 'session.status' and data->>'event' = 'claim'
      group by at) p`);
  return { passes: Number(row!.passes), sessions: Number(row!.sessions), agents: Number(row!.agents) };
}
