import { randomUUID } from "node:crypto";
import { Create } from "@orchestrator/sdk";
import pg from "pg";
import { afterAll, beforeAll, expect, test } from "vitest";
import { channel } from "../src/db/channels.ts";
import { type Db, open } from "../src/db/db.ts";
import { decode, encode, maxBytes } from "../src/db/notify.ts";
import * as Log from "../src/event/log.ts";
import * as Store from "../src/session/store.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import { databaseUrl, freshDatabase, template } from "./harness.ts";

// At most one NOTIFY per transaction (db/notify.ts), on PGlite and, with DATABASE_URL, on PostgreSQL.

let db: Db;
let drop = async () => {};
let stopRaw = async () => {};
/** Every NOTIFY on the channel, as sent: what PostgreSQL delivered, before the Db splits it into topics. */
const raw: string[] = [];
let tenant: string;
let ctx: Store.Ctx;

beforeAll(async () => {
  const fresh = databaseUrl ? await freshDatabase() : null;
  if (fresh) drop = fresh.drop;
  db = await open({
    dataDir: "",
    databaseUrl: fresh?.url,
    memory: !fresh,
    template: fresh ? undefined : template(),
  });
  if (fresh) {
    const c = new pg.Client({ connectionString: fresh.url });
    await c.connect();
    c.on("notification", (n) => void raw.push(n.payload ?? ""));
    await c.query(`listen ${channel}`);
    stopRaw = () => c.end();
  } else {
    // PGlite is one connection: listen on it directly, beside the Db's own LISTEN.
    const client = (
      db.orm as unknown as { $client: { listen(c: string, fn: (p: string) => void): Promise<unknown> } }
    ).$client;
    await client.listen(channel, (p) => void raw.push(p));
  }
  tenant = await Tenant.ensure(db, "notify-test");
  ctx = { db, now: () => new Date(), policy: { retryBaseMs: 1000, retryCapMs: 60_000 } };
});
afterAll(async () => {
  await stopRaw();
  await db?.close();
  await drop();
});

/** Wait for a marker NOTIFY: one session's commits arrive in order, so everything sent before it is in. */
async function mark(): Promise<number> {
  const id = randomUUID();
  await db.notify([["approval", id]]);
  for (let i = 0; i < 200 && !raw.some((p) => p.includes(id)); i++)
    await new Promise((r) => setTimeout(r, 10));
  const at = raw.findIndex((p) => p.includes(id));
  expect(at, "the marker notification arrives").toBeGreaterThanOrEqual(0);
  return at;
}

/** The notifications `fn` causes, as sent: between two markers. */
async function sent(fn: () => Promise<unknown>): Promise<string[]> {
  const from = await mark();
  await fn();
  return raw.slice(from + 1, await mark());
}

const session = () => Store.create(ctx, tenant, Create.parse({ title: "t", prompt: "p" }));

test("creating a queued session wakes the tenant's streams and the engines with one NOTIFY", async () => {
  let id = "";
  const out = await sent(async () => (id = (await session()).id));
  expect(out.length).toBe(1);
  expect(decode(out[0]!)).toEqual([
    ["events", tenant],
    ["queue", ""],
  ]);
  expect(id).not.toBe("");
});

test("a transaction's writes wake once, at commit, and a rolled-back one not at all", async () => {
  const [a, b] = [await session(), await session()];
  const entry = (sessionId: string) => ({
    tenantId: tenant,
    sessionId,
    type: "agent.log" as const,
    data: { level: "info" as const, text: "note" },
    at: new Date(),
  });
  const committed = await sent(() =>
    db.tx(async (tx) => {
      await Log.append(tx, entry(a.id));
      await Log.append(tx, { ...entry(b.id), notify: [["control", b.id]] });
      await tx.notify([["agents"]]);
    }),
  );
  expect(committed.length).toBe(1);
  expect(decode(committed[0]!)).toEqual([
    ["events", tenant],
    ["control", b.id],
    ["agents", ""],
  ]);
  const rolledBack = await sent(() =>
    db
      .tx(async (tx) => {
        await Log.append(tx, entry(a.id));
        throw new Error("changed my mind");
      })
      .catch(() => {}),
  );
  expect(rolledBack).toEqual([]);
});

test("a guarded write that matches no row wakes no one, inside a transaction or not", async () => {
  const a = await session();
  const stale = {
    tenantId: tenant,
    sessionId: a.id,
    type: "agent.log" as const,
    data: { level: "info" as const, text: "note" },
    at: new Date(),
    fence: 99,
  };
  const out = await sent(async () => {
    expect(await Log.write(db, stale)).toBeNull();
    await db.tx(async (tx) => expect(await Log.write(tx, stale)).toBeNull());
  });
  expect(out).toEqual([]);
});

test("notes too long for one NOTIFY fall back to their topics alone, and listeners hear ''", async () => {
  const heard: string[] = [];
  const off = await db.listen("control", (p) => void heard.push(p));
  const a = await session();
  const ids = Array.from({ length: 300 }, () => randomUUID());
  const out = await sent(() =>
    db.tx(async (tx) => {
      await Log.append(tx, {
        tenantId: tenant,
        sessionId: a.id,
        type: "agent.log",
        data: { level: "info", text: "note" },
        at: new Date(),
      });
      await tx.notify(ids.map((id) => ["control", id] as const));
    }),
  );
  await off();
  expect(out.length).toBe(1);
  expect(Buffer.byteLength(out[0]!)).toBeLessThanOrEqual(maxBytes);
  expect(decode(out[0]!)).toEqual([
    ["events", tenant],
    ["control", ""],
  ]);
  expect(heard).toEqual([""]);
});

test("a payload of the largest size PostgreSQL takes goes through", async () => {
  // 7,999 bytes in all: the encoding keeps payloads up to the limit rather than dropping them early.
  const text = encode([["a2a_push", ""]]);
  const long = "x".repeat(maxBytes - text.length - 2);
  expect(Buffer.byteLength(encode([["a2a_push", long]]))).toBe(maxBytes);
  const heard: string[] = [];
  const off = await db.listen("a2a_push", (p) => void heard.push(p));
  const out = await sent(() => db.notify([["a2a_push", long]]));
  await off();
  expect(out.length).toBe(1);
  expect(heard).toEqual([long]);
});

test("encoding removes duplicates; decoding ignores what is not ours", () => {
  const text = encode([["events", "t"], ["events", "t"], ["queue"], ["queue", ""], ["tasks", "a"]]);
  expect(text).toBe('{"events":["t"],"queue":[],"tasks":["a"]}');
  expect(decode("not json")).toEqual([]);
  expect(decode('{"nope":["x"],"events":"t"}')).toEqual([]);
  expect(
    encode([
      ["control", "x".repeat(9000)],
      ["events", "t"],
    ]),
  ).toBe('{"control":[],"events":["t"]}');
});
