import { sql } from "drizzle-orm";
import { RequestMalformedError } from "@a2a-js/sdk/errors";
import type { Deps } from "../../api/deps.ts";
import { AppError } from "../../error.ts";
import * as Guard from "../../net/guard.ts";
import * as Store from "../../session/store.ts";
import { follow } from "./follow.ts";
import { contextOf, settled, stateOf, status } from "./task.ts";

interface Config {
  id: string;
  taskId: string;
  url: string;
  token: string;
  authentication?: { scheme: string; credentials: string };
}

const running = new WeakMap<Deps, Set<string>>();

/** Store (or replace) a task's push config and make sure its updates are being delivered. */
export async function save(
  deps: Deps,
  tenantId: string,
  c: {
    id?: string;
    taskId: string;
    url: string;
    token?: string;
    authentication?: { scheme: string; credentials: string } | undefined;
  },
): Promise<Config> {
  try {
    await Guard.check(c.url, Guard.allowlist(deps.config.agents.allowHosts), "params.url");
  } catch (err) {
    throw err instanceof AppError ? new RequestMalformedError(err.message) : err;
  }
  const id = c.id || "default";
  const auth = c.authentication?.scheme ? c.authentication : null;
  await deps.db.rows(sql`
    insert into a2a_push (tenant_id, session_id, id, url, token, auth, created_at)
    values (${tenantId}, ${c.taskId}, ${id}, ${c.url}, ${c.token ?? ""}, ${auth ? JSON.stringify(auth) : null}::jsonb, ${deps.clock.now().toISOString()})
    on conflict (session_id, id) do update set url = excluded.url, token = excluded.token, auth = excluded.auth`);
  watch(deps, tenantId, c.taskId);
  return {
    id,
    taskId: c.taskId,
    url: c.url,
    token: c.token ?? "",
    ...(auth ? { authentication: auth } : {}),
  };
}

export async function list(deps: Deps, tenantId: string, taskId: string): Promise<Config[]> {
  const rows = await deps.db.rows(sql`
    select * from a2a_push where tenant_id = ${tenantId} and session_id = ${taskId} order by created_at`);
  return rows.map((r) => ({
    id: String(r.id),
    taskId,
    url: String(r.url),
    token: String(r.token),
    ...(r.auth ? { authentication: r.auth as Config["authentication"] } : {}),
  }));
}

export async function remove(deps: Deps, tenantId: string, taskId: string, id: string): Promise<void> {
  await deps.db.rows(
    sql`delete from a2a_push where tenant_id = ${tenantId} and session_id = ${taskId} and id = ${id}`,
  );
}

/** At start: resume delivery for every task with a push config that has not ended. */
export async function resume(deps: Deps): Promise<void> {
  const rows = await deps.db.rows<{ tenant_id: string; session_id: string }>(sql`
    select distinct p.tenant_id, p.session_id from a2a_push p join sessions s on s.id = p.session_id
    where s.status not in ('completed','partially_completed','failed','timeout','stopped','cancelled','orphaned')`);
  for (const r of rows) watch(deps, String(r.tenant_id), String(r.session_id));
}

/**
 * Deliver a task's status changes to its configs: POST the StreamResponse JSON with the config's token
 * and credentials, in order, each once (`sent_seq` records how far delivery got, so a restart resumes).
 */
function watch(deps: Deps, tenantId: string, sessionId: string): void {
  const set = running.get(deps) ?? new Set<string>();
  running.set(deps, set);
  if (set.has(sessionId)) return;
  set.add(sessionId);
  void (async () => {
    const from = await deps.db.rows<{ seq: number }>(sql`
      select coalesce(min(sent_seq), 0)::int as seq from a2a_push where session_id = ${sessionId}`);
    for await (const batch of follow(deps, tenantId, sessionId, Number(from[0]?.seq ?? 0))) {
      for (const e of batch.filter((x) => x.type === "session.status")) {
        const to = e.data.to;
        const row = await Store.get(deps.db, tenantId, sessionId);
        const update = settled(to)
          ? { ...status(row), timestamp: e.at }
          : { state: stateOf[to], timestamp: e.at };
        const body = JSON.stringify({
          statusUpdate: { taskId: sessionId, contextId: contextOf(row), status: update },
        });
        for (const c of await list(deps, tenantId, sessionId)) await send(deps, c, body);
        await deps.db.rows(
          sql`update a2a_push set sent_seq = ${e.seq} where session_id = ${sessionId} and sent_seq < ${e.seq}`,
        );
        if (settled(to) && stateOf[to] !== "TASK_STATE_INPUT_REQUIRED") return;
      }
    }
  })()
    .catch((err) => deps.log.warn({ err, session: sessionId }, "A2A push delivery stopped"))
    .finally(() => set.delete(sessionId));
}

async function send(deps: Deps, c: Config, body: string): Promise<void> {
  for (let n = 0; n < 3; n++) {
    try {
      await Guard.check(c.url, Guard.allowlist(deps.config.agents.allowHosts), "url");
      const res = await fetch(c.url, {
        method: "POST",
        headers: {
          "content-type": "application/a2a+json",
          ...(c.token ? { "x-a2a-notification-token": c.token } : {}),
          ...(c.authentication
            ? { authorization: `${c.authentication.scheme} ${c.authentication.credentials}` }
            : {}),
        },
        body,
        redirect: "error",
        signal: AbortSignal.timeout(deps.config.agents.callTimeoutMs),
      });
      await res.body?.cancel();
      if (res.ok) return;
    } catch (err) {
      deps.log.debug({ err, url: c.url }, "A2A push notification failed");
    }
    await new Promise((r) => setTimeout(r, 500 * 2 ** n));
  }
  deps.log.warn({ url: c.url, task: c.taskId }, "A2A push notification dropped after 3 tries");
}
