import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import {
  Agent,
  AgentCreate,
  AgentList,
  AgentPatch,
  AgentPreview,
  AgentQuery,
  Diagnostics,
  Eap,
  vocabulary,
} from "@orchestrator/sdk";
import type { App, Deps } from "../api/deps.ts";
import { body, errors, json } from "../api/doc.ts";
import { AppError } from "../error.ts";
import { policy as breakerDefaults, replay } from "../routing/breaker.ts";
import { toIso } from "../time.ts";
import * as A2a from "../agent/a2a/register.ts";
import * as Life from "./life.ts";
import * as Store from "./store.ts";
import { performance, toPublic } from "./view.ts";

const tags = ["Agents"];
const Id = z.object({ id: z.uuid() });

export function routes(app: App, deps: Deps): void {
  const tenant = (c: { get(k: "principal"): { tenantId: string } }) => c.get("principal").tenantId;
  const policy = { ...breakerDefaults, coolDownMs: deps.config.agents.breakerCoolDownMs };
  const one = async (tenantId: string, id: string) => {
    const row = await Store.get(deps.db, tenantId, id);
    return (await toPublic(deps.db, tenantId, [row], deps.clock.now(), policy))[0]!;
  };
  const admin = (c: { get(k: "principal"): { role: string } }, what: string) => {
    if (c.get("principal").role !== "admin") throw new AppError("forbidden", `${what} needs an admin key`);
  };
  // The tenant's own agent, for a change: a built-in one serves every tenant, so no tenant may change it.
  const own = async (tenantId: string, id: string) => {
    const row = await Store.get(deps.db, tenantId, id);
    if (!row.tenantId) throw builtIn(row);
    return row;
  };

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/capabilities",
      tags,
      summary: "The capability vocabulary, by group (custom ones are spelled x-…)",
      responses: {
        200: json(z.object({ groups: z.record(z.string(), z.array(z.string())) }), "the vocabulary"),
      },
    }),
    (c) => c.json({ groups: vocabulary as unknown as Record<string, string[]> }, 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/agents",
      tags,
      summary: "Every agent this tenant may use: built-in ones and its own",
      request: { query: AgentQuery },
      responses: { 200: json(AgentList, "agents"), ...errors },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const where = [sql`deleted_at is null`, sql`(tenant_id = ${tenant(c)} or tenant_id is null)`];
      if (q.kind) where.push(sql`kind = ${q.kind}`);
      if (q.capability) where.push(sql`${q.capability} = any(capabilities)`);
      const rows = (
        await deps.db.rows(
          sql`select * from agents where ${sql.join(where, sql` and `)} order by tenant_id nulls first, name`,
        )
      ).map(Store.fromRow);
      const items = await toPublic(deps.db, tenant(c), rows, deps.clock.now(), policy);
      return c.json({ items: q.status ? items.filter((a) => a.status === q.status) : items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/agents",
      tags,
      summary:
        "Register an A2A agent by its Agent Card (EAP agents register at /api/v1/agents/external/register)",
      request: body(AgentCreate),
      responses: { 201: json(Agent, "registered"), ...errors },
    }),
    async (c) => {
      const row = await A2a.register(deps, tenant(c), c.req.valid("json"));
      return c.json(await one(tenant(c), row.id), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/agents/preview",
      tags,
      summary:
        "What registering this A2A agent would create (same body, same checks of the card); saves nothing",
      request: body(AgentCreate),
      responses: { 200: json(AgentPreview, "the agent as it would be registered"), ...errors },
    }),
    async (c) => c.json(await A2a.preview(deps, tenant(c), c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/agents/{id}",
      tags,
      request: { params: Id },
      responses: { 200: json(Agent, "the agent"), ...errors },
    }),
    async (c) => c.json(await one(tenant(c), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/agents/{id}",
      tags,
      summary:
        "Change one of the tenant's agents (capacity, capabilities, description), drain it or bring it back; built-in agents: 403",
      request: { params: Id, ...body(AgentPatch) },
      responses: { 200: json(Agent, "updated"), ...errors },
    }),
    async (c) => {
      const row = await own(tenant(c), c.req.valid("param").id);
      await Store.patch(deps.db, row, c.req.valid("json"), deps.clock.now());
      return c.json(await one(tenant(c), row.id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "delete",
      path: "/api/v1/agents/{id}",
      tags,
      summary:
        "Deregister one of the tenant's agents: drain first (default) or hand its tasks back now; built-in agents: 403",
      request: {
        params: Id,
        query: z.object({ graceful: z.enum(["true", "false"]).default("true") }).strict(),
      },
      responses: {
        200: json(z.object({ status: z.enum(["draining", "deregistered"]), tasks: z.number() }), "done"),
        ...errors,
      },
    }),
    async (c) => {
      const row = await own(tenant(c), c.req.valid("param").id);
      const graceful = c.req.valid("query").graceful === "true";
      return c.json(await Life.deregister(deps.store, row, graceful, "deleted through the API"), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/agents/{id}/token/rotate",
      tags,
      summary:
        "Replace an EAP agent's token and signing secret for it (a lost token); the old ones stop working at once",
      request: { params: Id },
      responses: { 200: json(Eap.Rotated, "the new token and secret, shown once"), ...errors },
    }),
    async (c) => {
      admin(c, "rotating an agent's token");
      const row = await own(tenant(c), c.req.valid("param").id);
      if (row.kind !== "eap")
        throw new AppError("invalid_transition", `${row.name} is not an EAP agent: it has no token`, {
          id: row.id,
          kind: row.kind,
        });
      const { token, secret } = await Store.rotate(deps.db, row, deps.clock.now());
      return c.json({ agent_id: row.id, auth_token: token, signing_secret: secret }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/agents/{id}/diagnostics",
      tags,
      summary:
        "Heartbeats, load over the last hour, recent sessions, measured performance, breaker transitions",
      request: { params: Id },
      responses: { 200: json(Diagnostics, "diagnostics"), ...errors },
    }),
    async (c) => c.json(await diagnostics(deps, tenant(c), c.req.valid("param").id, policy, one), 200),
  );
}

/**
 * Built-in agents (tenant_id null) serve every tenant: a drain, a capacity or a removal by one tenant would
 * change what all the others get. There is no operator role yet, so no key may change them; the operator
 * does, in the configuration the server starts from.
 */
function builtIn(row: Store.AgentRow): AppError {
  return new AppError(
    "forbidden",
    `${row.name} is built into the server and shared by every tenant, so no tenant's key may change, drain, ` +
      "remove or rotate it; only the server's operator changes built-in agents, in the server's configuration " +
      "(environment variables or the ORCHESTRATOR_CONFIG file) and a restart",
    { id: row.id, name: row.name, builtIn: true },
  );
}

async function diagnostics(
  deps: Deps,
  tenantId: string,
  id: string,
  policy: typeof breakerDefaults,
  one: (t: string, id: string) => Promise<Agent>,
) {
  const agent = await one(tenantId, id);
  const now = deps.clock.now();
  const db = deps.db;
  // Agents without a tenant serve everyone: a tenant sees only its own sessions among theirs.
  const mine = sql`a.agent_id = ${id} and a.tenant_id = ${tenantId}`;
  const [beats, history, outcomes, recent, load] = await Promise.all([
    db.rows(
      sql`select at, data from agent_events where agent_id = ${id} and type = 'heartbeat' order by at desc limit 100`,
    ),
    db.rows(
      sql`select at, type, data from agent_events where agent_id = ${id} and type <> 'heartbeat' order by at desc limit 100`,
    ),
    db.rows(sql`select started_at, ended_at, outcome from attempts a where ${mine} and ended_at is not null
      and outcome in ('completed','partial','failed') order by ended_at desc limit 500`),
    db.rows(sql`select a.*, s.title from attempts a join sessions s on s.id = a.session_id where ${mine}
      order by a.started_at desc limit 20`),
    // Leases held at each minute of the last hour: attempts that had started and not yet ended then.
    db.rows(sql`select t, (select count(*) from attempts a where ${mine} and a.started_at <= t
        and (a.ended_at is null or a.ended_at > t))::int as n
      from generate_series(${new Date(now.getTime() - 3_600_000).toISOString()}::timestamptz, ${now.toISOString()}::timestamptz, interval '1 minute') t`),
  ]);
  const replayed = replay(
    outcomes.reverse().map((o) => ({
      startedAt: Date.parse(toIso(o.started_at)!),
      endedAt: Date.parse(toIso(o.ended_at)!),
      ok: o.outcome !== "failed",
    })),
    now.getTime(),
    policy,
  );
  const [byType, byCapability] = await Promise.all([
    performance(db, sql`agent_id = ${id} and tenant_id = ${tenantId}`, sql`type`),
    performance(
      db,
      sql`agent_id = ${id} and tenant_id = ${tenantId}`,
      sql`cap.k`,
      sql`attempts cross join lateral unnest(capabilities) as cap(k)`,
    ),
  ]);
  return {
    agent,
    heartbeats: beats.map((b) => {
      const d = b.data as Record<string, unknown>;
      return {
        at: toIso(b.at)!,
        status: String(d.status),
        reportedLoad: (d.reportedLoad as number | undefined) ?? null,
        tasks: (d.tasks as number | undefined) ?? null,
        load: (d.load as number | undefined) ?? null,
      };
    }),
    load: load.map((p) => ({ at: toIso(p.t)!, load: Number(p.n) })),
    history: history.map((h) => ({ at: toIso(h.at)!, type: String(h.type), data: h.data })),
    breaker: {
      ...agent.breaker,
      transitions: replayed.transitions.map((t) => ({
        at: new Date(t.at).toISOString(),
        to: t.to,
        reason: t.reason,
      })),
    },
    recent: recent.map((r) => {
      const started = toIso(r.started_at)!;
      const ended = toIso(r.ended_at);
      return {
        sessionId: String(r.session_id),
        attempt: Number(r.attempt),
        title: String(r.title),
        type: String(r.type),
        outcome: (r.outcome as string | null) ?? null,
        errorCode: (r.error_code as string | null) ?? null,
        startedAt: started,
        endedAt: ended,
        durationMs: ended ? Date.parse(ended) - Date.parse(started) : null,
        tokens: r.tokens === null ? null : Number(r.tokens),
        cost: r.cost === null ? null : Number(r.cost),
      };
    }),
    byType: Object.fromEntries(byType),
    byCapability: Object.fromEntries(byCapability),
  };
}
