import { sql } from "drizzle-orm";
import { afterAll, beforeAll, expect, test } from "vitest";
import { Create } from "@orchestrator/sdk";
import type { Db } from "../src/db/db.ts";
import * as Talk from "../src/conversation/store.ts";
import * as Agents from "../src/registry/store.ts";
import type { Row } from "../src/session/row.ts";
import * as Store from "../src/session/store.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import { database } from "./harness.ts";

// Where a message goes by the session's status, on the store alone (no engine, no agent): a live
// session's message waits for its run; an ended one's opens a round; one that came as a run ended too.
let db: Db;
let drop = async () => {};
let ctx: Store.Ctx;
let tenant: string;
const demo = Agents.internalId("demo");

beforeAll(async () => {
  ({ db, drop } = await database());
  ctx = { db, now: () => new Date(), policy: { retryBaseMs: 10, retryCapMs: 10 } };
  tenant = await Tenant.ensure(db, "default");
  await Agents.syncBuiltins(
    db,
    [{ name: "demo", kind: "opencode", label: "d", description: "d", capabilities: [], capacity: 8 }],
    new Date(),
  );
}, 60_000);
afterAll(async () => {
  await drop();
});

/** A session running on the demo OpenCode profile, as the engine would have claimed it. */
async function running(): Promise<Row> {
  const row = await Store.create(ctx, tenant, Create.parse({ title: "t", prompt: "do it" }));
  await db.rows(sql`update sessions set agent_id = ${demo} where id = ${row.id}`);
  return Store.transition(ctx, row.id, { type: "claim", owner: "node-t", leaseMs: 60_000 });
}

const said = (id: string, text: string, steer = false) =>
  Talk.send(ctx, tenant, id, { text, author: "key:k", steer });

test("a message to a running session waits for its run; it stays running, in the same round", async () => {
  const row = await running();
  const heard: string[] = [];
  const off = await db.listen("talk", (id) => heard.push(id));
  const sent = await said(row.id, "use the helper");
  expect(sent.newRound).toBe(false);
  expect(sent.session.status).toBe("running");
  expect(sent.message).toMatchObject({ round: 0, steer: false, deliveredAt: null });
  expect((await Talk.pending(db, row.id)).map((m) => m.text)).toEqual(["use the helper"]);
  await expect.poll(() => heard).toContain(row.id); // its run, on any node, hears of it
  await off();
});

test("steering is refused while a person is asked, and a session not routed yet takes no message", async () => {
  const row = await running();
  const waiting = await Store.transition(ctx, row.id, { type: "ask", approval: crypto.randomUUID() });
  expect(waiting.status).toBe("waiting");
  await expect(said(row.id, "now", true)).rejects.toThrow(/waiting for a person's answer/);
  expect((await said(row.id, "at the next turn")).session.status).toBe("waiting");

  const queued = await Store.create(ctx, tenant, Create.parse({ title: "t", prompt: "later" }));
  await expect(said(queued.id, "hello")).rejects.toThrow(/not routed to an agent yet/);
  expect(await Talk.list(db, tenant, queued.id)).toEqual([]); // nothing half-written
});

test("messages that came as a run ended open the next round; a cancelled session stays ended", async () => {
  const row = await running();
  await said(row.id, "one more thing");
  const done = await Store.transition(
    ctx,
    row.id,
    { type: "complete", result: { text: "ok" } },
    { fence: row.fence },
  );
  expect(done.status).toBe("completed");
  const after = await Talk.reopen(ctx, row.id);
  expect(after).toMatchObject({ status: "queued", retries: 1 });
  expect((await Talk.pending(db, row.id))[0]).toMatchObject({ text: "one more thing", round: 1 });
  expect(await Talk.reopen(ctx, row.id)).toBeNull(); // queued already: nothing more to do

  const other = await running();
  await said(other.id, "too late");
  await Store.transition(ctx, other.id, { type: "cancel" });
  expect(await Talk.reopen(ctx, other.id)).toBeNull();
  const nothing = await running();
  await Store.transition(ctx, nothing.id, { type: "complete", result: {} }, { fence: nothing.fence });
  expect(await Talk.reopen(ctx, nothing.id)).toBeNull();
});
