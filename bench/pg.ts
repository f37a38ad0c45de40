import { execFileSync } from "node:child_process";
import { chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { freePort } from "./lib/net.ts";

/**
 * A PostgreSQL to benchmark against: DATABASE_URL when given, otherwise a throwaway Debian PostgreSQL 15
 * cluster in a temp dir (trust auth, loopback only, fsync off: deps.md §11). Each benchmark asks for its own
 * scratch database so runs do not see each other's rows.
 */
export interface Cluster {
  /** Where it came from, for the printed report. */
  label: string;
  /** A fresh, empty database (dropped again by `stop`). Falls back to the cluster URL if it may not create one. */
  scratch(name: string): Promise<string>;
  stop(): Promise<void>;
}

const bin = process.env.PGBIN ?? "/usr/lib/postgresql/15/bin";

export async function cluster(): Promise<Cluster> {
  return process.env.DATABASE_URL ? external(process.env.DATABASE_URL) : throwaway();
}

function external(url: string): Cluster {
  const made: string[] = [];
  return {
    label: `DATABASE_URL (${new URL(url).host})`,
    scratch: async (name) => {
      const db = `${name}_${process.pid}_${made.length}`;
      try {
        await admin(url, `create database "${db}"`);
      } catch (err) {
        // No createdb right: run in the given database; the benchmarks only add rows of their own.
        console.warn(
          `  (could not create a scratch database, using DATABASE_URL as is: ${(err as Error).message})`,
        );
        return url;
      }
      made.push(db);
      return withDb(url, db);
    },
    stop: async () => {
      for (const db of made) await admin(url, `drop database if exists "${db}" with (force)`);
    },
  };
}

async function throwaway(): Promise<Cluster> {
  const dir = mkdtempSync(path.join(tmpdir(), "io-bench-pg-"));
  const uid = Number(execFileSync("id", ["-u", "postgres"]).toString());
  const gid = Number(execFileSync("id", ["-g", "postgres"]).toString());
  chownSync(dir, uid, gid);
  const port = await freePort();
  const asPostgres = (args: string[]) => {
    // initdb refuses to run as root, so the cluster belongs to the postgres user.
    const cmd = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(" ");
    execFileSync("su", ["postgres", "-c", cmd], { stdio: ["ignore", "ignore", "pipe"] });
  };
  asPostgres([`${bin}/initdb`, "-D", `${dir}/data`, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c max_connections=200`;
  asPostgres([`${bin}/pg_ctl`, "-D", `${dir}/data`, "-o", opts, "-l", `${dir}/log`, "-w", "start"]);
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let n = 0;
  return {
    label: `throwaway PostgreSQL 15 cluster on 127.0.0.1:${port} (fsync=off, synchronous_commit=off)`,
    scratch: async (name) => {
      const db = `${name}_${n++}`;
      await admin(url, `create database "${db}"`);
      return withDb(url, db);
    },
    stop: async () => {
      asPostgres([`${bin}/pg_ctl`, "-D", `${dir}/data`, "-m", "immediate", "-w", "stop"]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function admin(url: string, statement: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(statement);
  } finally {
    await c.end();
  }
}

function withDb(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}
