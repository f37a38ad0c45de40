import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { sql } from "drizzle-orm";
import { Status } from "@orchestrator/sdk";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Db } from "../src/db/db.ts";
import { allowed } from "../src/session/machine.ts";
import * as States from "../src/session/status.ts";
import { database } from "./harness.ts";

// A status added to the SDK's enum must land in exactly one set, and the machine, the schema's generated
// DDL, the migrations and the live database must all follow it.

const migrations = path.join(path.dirname(fileURLToPath(import.meta.url)), "../src/db/migrations");

/** The quoted words of a constraint or predicate, as a sorted set. */
const words = (text: string) => [...new Set([...text.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!))].sort();
const sorted = (states: readonly string[]) => [...states].sort();

/** The text the newest migration that mentions `pattern` gave it (migrations apply in journal order). */
function latest(pattern: RegExp): string {
  const journal = JSON.parse(readFileSync(path.join(migrations, "meta/_journal.json"), "utf8")) as {
    entries: { tag: string }[];
  };
  let found: string | undefined;
  for (const { tag } of journal.entries) {
    const text = readFileSync(path.join(migrations, `${tag}.sql`), "utf8");
    for (const m of text.matchAll(pattern)) found = m[1];
  }
  if (found === undefined) throw new Error(`no migration matches ${pattern}`);
  return found;
}

test("every status is in exactly one of terminal, leased and parked", () => {
  const sets = [States.terminal, States.leased, States.parked];
  for (const s of Status.options) expect(sets.filter((set) => set.includes(s)).length, s).toBe(1);
  expect(sets.flat().length).toBe(Status.options.length);
  expect(sorted(States.live)).toEqual(sorted([...States.leased, ...States.parked]));
});

test("the machine agrees: exactly the leased states can lose their lease, and terminal ones end (or start a new round)", () => {
  for (const s of Status.options) {
    expect(allowed(s).includes("expire"), s).toBe(States.isLeased(s));
    expect(
      allowed(s).includes("claim") || allowed(s).includes("start") || allowed(s).includes("resume"),
      s,
    ).toBe(States.parked.includes(s));
    if (States.terminal.includes(s))
      expect(
        allowed(s).every((e) => e === "retry" || e === "follow"), // a new round, from the queue
        s,
      ).toBe(true);
  }
});

test("the migrations hold the DDL the schema generates from the SDK's sets", () => {
  expect(latest(/CONSTRAINT "sessions_status" CHECK \((.*?)\)(?:;|,|\n|$)/g)).toBe(States.checks.status);
  expect(latest(/CONSTRAINT "sessions_lease" CHECK \((.*)\);/g)).toBe(States.checks.lease);
  expect(latest(/INDEX "sessions_leased" ON .* WHERE (.*);/g)).toBe(States.checks.leased);
  expect(latest(/INDEX "sessions_agent_leased" ON .* WHERE (.*);/g)).toBe(States.checks.leased);
});

describe("the database", () => {
  let db: Db;
  let drop = async () => {};
  beforeAll(async () => {
    ({ db, drop } = await database());
  });
  afterAll(async () => {
    await drop();
  });

  test("enforces the same sets after migrating", async () => {
    const checks = await db.rows<{ name: string; def: string }>(sql`
      select conname as name, pg_get_constraintdef(oid) as def from pg_constraint
      where conrelid = 'sessions'::regclass and conname in ('sessions_status', 'sessions_lease')`);
    const def = (name: string) => checks.find((c) => c.name === name)!.def;
    expect(words(def("sessions_status"))).toEqual(sorted(Status.options));
    expect(words(def("sessions_lease"))).toEqual(sorted(States.leased));
    const indexes = await db.rows<{ name: string; def: string }>(sql`
      select indexname as name, indexdef as def from pg_indexes
      where tablename = 'sessions' and indexname in ('sessions_leased', 'sessions_agent_leased')`);
    expect(indexes.length).toBe(2);
    for (const i of indexes) expect(words(i.def.split(" WHERE ")[1]!), i.name).toEqual(sorted(States.leased));
  });
});
