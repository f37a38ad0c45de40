import path from "node:path";
import { fileURLToPath } from "node:url";
import { PGlite } from "@electric-sql/pglite";
import { type SQL, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { migrate as migratePg } from "drizzle-orm/node-postgres/migrator";
import pg from "pg";
import * as schema from "./schema.ts";
import { acquire } from "./lock.ts";
import { type Note, type Topic, channel } from "./channels.ts";
import * as Notify from "./notify.ts";

export type Orm = PgDatabase<PgQueryResultHKT, typeof schema>;

/** What a query needs: run SQL and get rows, and wake listeners. A transaction is the same shape. */
export interface Q {
  orm: Orm;
  rows<T = Record<string, unknown>>(query: SQL): Promise<T[]>;
  /**
   * Wake listeners of `notes` once this write commits: an item for the select list (or `returning`) of the
   * statement that writes, so nothing is sent when it returns no row. Outside a transaction it is the
   * statement's one `pg_notify`; inside one, the notes join the transaction's one NOTIFY (db/notify.ts).
   */
  wake(notes: readonly Note[]): SQL;
  /** Wake listeners of `notes` at commit whatever happens; outside a transaction, now. */
  notify(notes: readonly Note[]): Promise<void>;
}

export interface Db extends Q {
  kind: "pglite" | "postgres";
  tx<T>(fn: (tx: Q) => Promise<T>): Promise<T>;
  /** Hear the notes of one topic (db/channels.ts) from any node; returns the unsubscribe function. */
  listen(topic: Topic, fn: (payload: string) => void): Promise<() => Promise<void>>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A driver: a Db whose `listen` takes a raw PostgreSQL channel, and without the notify helpers. */
type Driver = Omit<Db, "listen" | "wake" | "notify"> & {
  listen(channel: string, fn: (payload: string) => void): Promise<() => Promise<void>>;
};

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

/** Embedded PGlite under `<dataDir>/pgdata`, or real PostgreSQL when a URL is given. Migrates either way. */
export async function open(opts: {
  dataDir: string;
  databaseUrl?: string | undefined;
  memory?: boolean;
  /** With `memory`: start from this dump of a migrated database (`template()`) instead of running initdb. */
  template?: Blob | undefined;
  /** Told of what a LISTEN handler throws (instead of it escaping into the driver's socket handler). */
  onError?: (err: unknown, topic: string) => void;
}): Promise<Db> {
  const driver = await (opts.databaseUrl
    ? openPostgres(opts.databaseUrl)
    : openPglite(opts.dataDir, opts.memory ?? false, opts.template));
  // One LISTEN on the one channel; each notification is split into its topics' payloads.
  const handlers = new Map<Topic, Set<(payload: string) => void>>();
  let listening: Promise<unknown> | null = null;
  const hear = (text: string) => {
    for (const [topic, payload] of Notify.decode(text))
      for (const fn of handlers.get(topic) ?? []) {
        // A handler runs inside the driver's own event handlers, where a throw is an uncaught exception:
        // one catch here covers every listener of both drivers.
        try {
          fn(payload);
        } catch (err) {
          opts.onError?.(err, topic);
        }
      }
  };
  return {
    ...driver,
    wake: (notes) => Notify.statement(notes),
    notify: async (notes) => void (await driver.rows(sql`select ${Notify.statement(notes)}`)),
    listen: async (topic, fn) => {
      await (listening ??= driver.listen(channel, hear));
      const set = handlers.get(topic) ?? new Set();
      handlers.set(topic, set);
      set.add(fn);
      return async () => void set.delete(fn);
    },
  };
}

/** A transaction whose notes go out in one NOTIFY just before it commits (none if it throws). */
function transaction<T>(orm: Orm, fn: (tx: Q) => Promise<T>): Promise<T> {
  return orm.transaction(async (t) => {
    const run = t as unknown as Orm;
    const c = Notify.collector((q) => run.execute(q).then((r) => (r as { rows: unknown[] }).rows as never));
    const out = await fn({ orm: run, rows: c.rows, wake: c.wake, notify: c.notify });
    await c.flush();
    return out;
  });
}

/**
 * An empty, migrated in-memory database as a tarball. Loading it takes about 1 s against 3.3 s for initdb
 * and the migrations (PGlite's WASM, on our 2 cores), so a test run makes it once and every in-memory
 * server starts from it. Migrations still run on open: a stale template only costs the missing ones.
 */
export async function template(): Promise<Blob> {
  const client = new PGlite();
  try {
    await migratePglite(drizzlePglite({ client, schema }) as never, { migrationsFolder });
    return await client.dumpDataDir("none");
  } finally {
    await client.close();
  }
}

async function openPglite(dataDir: string, memory: boolean, from?: Blob): Promise<Driver> {
  const release = memory ? () => {} : acquire(dataDir);
  try {
    const client = memory
      ? new PGlite(from ? { loadDataDir: from } : {})
      : new PGlite(path.join(dataDir, "pgdata"));
    await client.waitReady;
    const orm = drizzlePglite({ client, schema }) as unknown as Orm;
    await migratePglite(orm as never, { migrationsFolder });
    return {
      kind: "pglite",
      orm,
      rows: (q) => orm.execute(q).then((r) => (r as { rows: unknown[] }).rows as never),
      tx: (fn) => transaction(orm, fn),
      listen: async (channel, fn) => {
        const off = await client.listen(channel, fn);
        return () => off();
      },
      ping: async () => void (await client.query("select 1")),
      close: async () => {
        try {
          await client.close();
        } finally {
          release();
        }
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}

// int8 (count(*), bigint columns) comes back as a string from `pg`; our values fit in a double.
const types = {
  getTypeParser: (oid: number, format?: "text" | "binary") =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as never),
};

async function openPostgres(url: string): Promise<Driver> {
  // Migrations run on one connection under an advisory lock so that cluster nodes starting together
  // do not race each other.
  const mc = new pg.Client({ connectionString: url });
  await mc.connect();
  try {
    await mc.query("select pg_advisory_lock(742001)");
    await migratePg(drizzlePg({ client: mc }), { migrationsFolder });
  } finally {
    await mc.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: 10, types });
  // An idle connection the server ends (a restart, pg_terminate_backend, DROP DATABASE … FORCE) is
  // reported here; without a listener it would be an uncaught exception. The pool discards it and opens
  // another when one is needed; a query in flight still gets its own error.
  pool.on("error", () => {});
  const orm = drizzlePg({ client: pool, schema }) as unknown as Orm;
  const listener = await listenerFor(url);
  return {
    kind: "postgres",
    orm,
    rows: (q) => orm.execute(q).then((r) => (r as { rows: unknown[] }).rows as never),
    tx: (fn) => transaction(orm, fn),
    listen: listener.listen,
    ping: async () => void (await pool.query("select 1")),
    close: async () => {
      await listener.close();
      await pool.end();
    },
  };
}

/** One dedicated connection carries every LISTEN of this process; it reconnects if the server drops it. */
async function listenerFor(url: string) {
  const handlers = new Map<string, Set<(p: string) => void>>();
  let client: pg.Client | null = null;
  let closed = false;

  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString: url });
    c.on("notification", (n) => handlers.get(n.channel)?.forEach((fn) => fn(n.payload ?? "")));
    c.on("error", () => {
      // The connection died; a fresh one re-issues every LISTEN. Missed wake-ups are covered by the
      // pollers that back up every listener.
      if (client === c) client = null;
      if (!closed) setTimeout(() => void connect().catch(() => {}), 500);
    });
    await c.connect();
    for (const channel of handlers.keys()) await c.query(`listen "${channel}"`);
    client = c;
  };
  await connect();

  return {
    listen: async (channel: string, fn: (p: string) => void) => {
      let set = handlers.get(channel);
      if (!set) {
        set = new Set();
        handlers.set(channel, set);
        await client?.query(`listen "${channel}"`);
      }
      set.add(fn);
      return async () => void set.delete(fn);
    },
    close: async () => {
      closed = true;
      await client?.end();
    },
  };
}
