import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Cluster, cluster } from "../pg.ts";

export type Kind = "pglite" | "postgres";

/** What the server's `start()` needs to reach the database under test. */
export interface Db {
  kind: Kind;
  label: string;
  /** `env: {}` keeps the bench's own environment (DATABASE_URL, PORT, …) out of the server's config. */
  options: {
    memory?: boolean;
    env: Record<string, string>;
    config: { databaseUrl?: string; dataDir?: string };
  };
  cleanup(): void;
}

/**
 * The databases to run against. PGlite runs on disk in a temp dir (the embedded default users get) unless
 * --pglite=memory; PostgreSQL is DATABASE_URL or a throwaway cluster, one scratch database per benchmark.
 */
export interface Targets {
  kinds: Kind[];
  open(kind: Kind, name: string): Promise<Db>;
  /** The PostgreSQL cluster, started on first use. */
  pg(): Promise<Cluster>;
  close(): Promise<void>;
}

export function targets(kinds: Kind[], shared?: Cluster, pgliteMode = "disk"): Targets {
  let started: Promise<Cluster> | null = shared ? Promise.resolve(shared) : null;
  const pg = () => (started ??= cluster());
  return {
    kinds,
    pg,
    open: async (kind, name) => {
      if (kind === "postgres") {
        const c = await pg();
        return {
          kind,
          label: c.label,
          options: { env: {}, config: { databaseUrl: await c.scratch(name) } },
          cleanup: () => {},
        };
      }
      const dataDir = mkdtempSync(path.join(tmpdir(), `io-bench-${name}-`));
      const memory = pgliteMode === "memory";
      return {
        kind,
        label: memory ? "PGlite, in memory" : "PGlite, on disk (temp dir)",
        options: { memory, env: {}, config: { dataDir } },
        cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
      };
    },
    close: async () => {
      if (started && !shared) await (await started).stop();
    },
  };
}

/** `--key=value` flags, with `--db=pglite,postgres` (both by default). */
export function flags(argv = process.argv.slice(2)) {
  const map = new Map<string, string>();
  for (const a of argv) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(a);
    if (!m) throw new Error(`unknown argument ${a}; flags look like --n=1000`);
    map.set(m[1]!, m[2] ?? "true");
  }
  const num = (name: string, dflt: number) => {
    const v = map.get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`--${name} wants a number, got ${v}`);
    return n;
  };
  const db = (map.get("db") ?? "pglite,postgres").split(",").map((s) => s.trim());
  for (const d of db)
    if (d !== "pglite" && d !== "postgres") throw new Error(`--db takes pglite and/or postgres, got ${d}`);
  return { map, num, kinds: db as Kind[], pglite: map.get("pglite") ?? "disk", json: map.get("json") };
}

/** True when this module is the script node was asked to run. */
export const isMain = (url: string) =>
  process.argv[1] !== undefined && path.resolve(process.argv[1]) === path.resolve(new URL(url).pathname);

/** Run one benchmark on each database in turn (a scratch database each), printing every report. */
export async function each<R>(
  t: Targets,
  name: string,
  run: (db: Db) => Promise<R>,
  report: (r: R) => string,
): Promise<R[]> {
  const out: R[] = [];
  for (const kind of t.kinds) {
    const db = await t.open(kind, name);
    try {
      const r = await run(db);
      console.log(report(r) + "\n");
      out.push(r);
    } finally {
      db.cleanup();
    }
  }
  return out;
}

export type Flags = ReturnType<typeof flags>;

/** Run a benchmark script on its own: parse the flags, run `main`, and always close the databases. */
export async function alone(url: string, main: (t: Targets, f: Flags) => Promise<unknown>): Promise<void> {
  if (!isMain(url)) return;
  const f = flags();
  const t = targets(f.kinds, undefined, f.pglite);
  try {
    await main(t, f);
  } finally {
    await t.close();
  }
}
