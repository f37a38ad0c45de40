import { afterAll, beforeAll, expect, test } from "vitest";
import { sql } from "drizzle-orm";
import { Create, Eap } from "@orchestrator/sdk";
import type { Db } from "../src/db/db.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import * as Registry from "../src/registry/store.ts";
import * as Sessions from "../src/session/store.ts";
import * as Routing from "../src/routing/route.ts";
import { database } from "./harness.ts";

let db: Db;
let drop: (() => Promise<void>) | undefined;
beforeAll(async () => {
  ({ db, drop } = await database());
});
afterAll(async () => {
  await drop?.();
});

test("50 concurrent claims by 5 routers never give an agent more than its capacity", async () => {
  const tenant = await Tenant.ensure(db, "routing");
  const now = new Date();
  const ctx = { db, now: () => new Date(), policy: { retryBaseMs: 10, retryCapMs: 100 } };
  const ids: string[] = [];
  for (const name of ["cap-a", "cap-b", "cap-c"]) {
    const input = Eap.Register.parse({ name, capabilities: ["x-c"], capacity: 2 });
    ids.push((await Registry.register(db, tenant, input, 60_000, now)).row.id);
  }
  for (let i = 0; i < 50; i++)
    await Sessions.create(ctx, tenant, Create.parse({ title: `s${i}`, prompt: "p", capabilities: ["x-c"] }));
  const routers = await Promise.all(
    Array.from({ length: 5 }, (_, i) =>
      Routing.router(db, {
        nodeId: `node-${i}`,
        leaseMs: 60_000,
        ackMs: 60_000,
        machine: ctx.policy,
        defaultProfile: "demo",
      }),
    ),
  );
  const claimed = (
    await Promise.all(Array.from({ length: 50 }, (_, i) => routers[i % 5]!.claim(0, new Date())))
  ).flat();
  expect(claimed).toHaveLength(6);
  expect(new Set(claimed.map((r) => r.id)).size).toBe(6);
  const held = await db.rows<{ agent_id: string; n: number }>(sql`
    select agent_id, count(*)::int as n from sessions where status = 'running' group by agent_id order by agent_id`);
  expect(held.map((r) => Number(r.n))).toEqual([2, 2, 2]);
  expect(held.map((r) => String(r.agent_id)).sort()).toEqual([...ids].sort());
  for (const r of routers) await r.stop();
});
