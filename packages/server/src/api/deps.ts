import type { OpenAPIHono } from "@hono/zod-openapi";
import type { Config } from "../config.ts";
import type { Db } from "../db/db.ts";
import type { Clock } from "../clock.ts";
import type { Log } from "../log.ts";
import type { Metrics } from "../metrics.ts";
import type { Registry } from "../agent/agent.ts";
import type { Principal } from "../auth/key.ts";
import type { Engine } from "../engine/engine.ts";
import type { Hub } from "../event/hub.ts";
import type { Ctx } from "../session/store.ts";
import type { Catalog } from "../agent/opencode/profile.ts";
import type { Pool } from "../agent/opencode/pool.ts";
import type { Waiters } from "../agent/eap/waiters.ts";
import type { Deps as PlanDeps } from "../plan/service.ts";
import type { Worker as Webhooks } from "../webhook/worker.ts";

/** Everything a route needs, as one plain object. */
export interface Deps {
  config: Config;
  db: Db;
  clock: Clock;
  log: Log;
  metrics: Metrics;
  agents: Registry;
  hub: Hub;
  engine: Engine | null;
  store: Ctx;
  defaultTenant: string;
  profiles: Catalog;
  pool: Pool;
  /** Long-polls of EAP agents wait here for assignments. */
  waiters: Waiters;
  /** What plans' scheduling needs (plan/service.ts). */
  plans: PlanDeps;
  /** This node's webhook worker: routes wake it when a webhook changes. */
  webhooks: Webhooks;
}

export interface Env {
  Variables: { principal: Principal; requestId: string; log: Log };
}

export type App = OpenAPIHono<Env>;
