import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { inject } from "vitest";
import path from "node:path";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { sql } from "drizzle-orm";
import { Event } from "@orchestrator/sdk";
import { toEvent } from "../src/event/log.ts";
import { type Db, open } from "../src/db/db.ts";
import type { Talk } from "../src/agent/agent.ts";
import { type Options, type Server, start } from "../src/server.ts";
import { git } from "../src/workspace/git.ts";
import type { Config } from "../src/config.ts";

/** Set by .ci/run for the second pass: every database-facing suite then runs on real PostgreSQL. */
export const databaseUrl = process.env.DATABASE_URL || undefined;

let loaded: Blob | undefined;
/** The migrated empty database an in-memory PGlite starts from (made once per run by setup.ts). */
export function template(): Blob {
  return (loaded ??= new Blob([readFileSync(inject("pgTemplate"))]));
}

/** A run's conversation when no person ever writes (adapters driven directly by a test). */
export const silence: Talk = {
  waiting: [],
  last: null,
  pending: async () => [],
  arrived: () => new Promise(() => {}),
  delivered: async () => {},
};

/**
 * A database of a test's own, migrated: in-memory PGlite from the template, or a fresh database on
 * DATABASE_URL's server. `drop` closes it, and drops the PostgreSQL one.
 */
export async function database(): Promise<{ db: Db; drop: () => Promise<void> }> {
  const fresh = databaseUrl ? await freshDatabase() : null;
  const db = await open({
    dataDir: "",
    databaseUrl: fresh?.url,
    memory: !fresh,
    template: fresh ? undefined : template(),
  });
  return {
    db,
    drop: async () => {
      await db.close();
      await fresh?.drop();
    },
  };
}

/** A fresh database on the PostgreSQL server of DATABASE_URL; dropped by the returned function. */
export async function freshDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!databaseUrl) throw new Error("DATABASE_URL is not set");
  const name = `io_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

export const fastEngine: Partial<Config["engine"]> = {
  pollMs: 50,
  heartbeatMs: 100,
  leaseMs: 1500,
  reapMs: 100,
  retryBaseMs: 50,
  retryCapMs: 400,
  shutdownGraceMs: 500,
};

export interface TestServer extends Server {
  key: string;
  api: (
    path: string,
    init?: RequestInit & { json?: unknown; key?: string | null },
  ) => Promise<{ status: number; body: any; headers: Headers }>;
}

/** A real server on a random port, over in-memory PGlite or a fresh PostgreSQL database. */
export async function serve(
  opts: Options & { engine?: Partial<Config["engine"]> } = {},
): Promise<TestServer> {
  const fresh = databaseUrl ? await freshDatabase() : null;
  const server = await start({
    ...opts,
    env: {},
    memory: !fresh,
    ...(fresh ? {} : { template: template() }),
    config: {
      port: 0,
      logLevel: "silent",
      ...opts.config,
      databaseUrl: fresh?.url,
      engine: { ...fastEngine, ...opts.engine },
    },
  });
  const key = server.adminKey!;
  const api: TestServer["api"] = async (path, init = {}) => {
    const headers = new Headers(init.headers);
    const k = init.key === undefined ? key : init.key;
    if (k) headers.set("authorization", `Bearer ${k}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    }
    const res = await fetch(server.url + path, { ...init, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON (e.g. /metrics): keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    ...server,
    key,
    api,
    stop: async () => {
      await server.stop();
      await fresh?.drop();
    },
  };
}

/** Poll until `fn` returns a truthy value (or throw after `ms`). */
export async function until<T>(
  fn: () => Promise<T | null | undefined | false>,
  ms = 10_000,
  what = "condition",
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Wait for a session to reach one of `statuses`; returns it. */
export async function settle(s: TestServer, id: string, statuses: string[], ms = 10_000): Promise<any> {
  return until(
    async () => {
      const r = await s.api(`/api/v1/sessions/${id}`);
      return statuses.includes(r.body.status) ? r.body : null;
    },
    ms,
    `session ${id} to reach ${statuses.join("|")}`,
  );
}

export async function events(s: TestServer, id: string): Promise<any[]> {
  return (await s.api(`/api/v1/sessions/${id}/events?limit=1000`)).body.items;
}

/**
 * Every entry the server has logged (all tenants, deleted sessions too), checked against the event
 * registry (sdk/events.ts): the types seen, and the entries that do not parse, with zod's reason.
 */
export async function registered(s: TestServer): Promise<{ types: Set<string>; bad: string[] }> {
  const rows = await s.deps.db.rows(
    sql`select id, session_id, seq, type, at, data from session_events order by id`,
  );
  const bad: string[] = [];
  for (const e of rows.map(toEvent)) {
    const r = Event.safeParse(e);
    if (!r.success) bad.push(`${e.type} ${JSON.stringify(e.data)}: ${r.error.message}`);
    else if (dropped(e.data, r.data.data))
      bad.push(`${e.type} ${JSON.stringify(e.data)}: ${dropped(e.data, r.data.data)} is not in the registry`);
  }
  return { types: new Set(rows.map((r) => String(r.type))), bad };
}

/** The first field of `a` that zod's parse dropped (an object schema strips keys it does not declare). */
function dropped(a: unknown, b: unknown, path = "data"): string | null {
  if (typeof a !== "object" || a === null || typeof b !== "object" || b === null) return null;
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined) continue;
    if (!(k in b)) return `${path}.${k}`;
    const deeper = dropped(v, (b as Record<string, unknown>)[k], `${path}.${k}`);
    if (deeper) return deeper;
  }
  return null;
}

export async function create(s: TestServer, body: Record<string, unknown>): Promise<any> {
  const r = await s.api("/api/v1/sessions", { method: "POST", json: { title: "Test", ...body } });
  if (r.status !== 201) throw new Error(`create failed: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A git repository with one commit on `main` holding `files`. */
export async function gitRepo(dir: string, files: Record<string, string>): Promise<string> {
  mkdirSync(path.dirname(dir), { recursive: true });
  await git(path.dirname(dir), ["init", "-q", "-b", "main", dir]);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  await git(dir, ["add", "."]);
  await git(dir, ["-c", "user.email=t@example.com", "-c", "user.name=T", "commit", "-qm", "init"]);
  return dir;
}
