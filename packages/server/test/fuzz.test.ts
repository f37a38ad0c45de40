import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { sql } from "drizzle-orm";
import { refusedValue } from "../src/api/errors.ts";
import { type TestServer, create, serve } from "./harness.ts";

/**
 * A fuzzer generated from /openapi.json (issue 14): for every operation, each path parameter, query
 * parameter, header and body field (nested ones and JSON records included) gets, one at a time, a NUL, a
 * lone surrogate, an over-long value or an out-of-range integer, with everything else valid and a valid
 * key. No answer may be a 5xx; every error is the JSON error shape, and a 422 names a field (for the
 * text a database cannot store, exactly the field that carried it); the server is alive at the end.
 * One server, the engine off: nothing runs, whatever is created.
 */
type Schema = Record<string, any>;
type Where = "params" | "query" | "header" | "body";
interface Case {
  op: string;
  where: Where;
  field: string;
  value: unknown;
  /** The text rule must refuse it, naming exactly this field. */
  named?: string;
}

let s: TestServer;
let doc: Schema;
let session: string;
let agent: { id: string; token: string };
beforeAll(async () => {
  s = await serve({ engine: { enabled: false } as never, config: { agents: { maxPollMs: 100 } as never } });
  doc = (await s.api("/openapi.json")).body;
  session = (await create(s, { prompt: "succeed" })).id;
  const r = await s.api("/api/v1/agents/external/register", {
    method: "POST",
    json: { name: "fuzz-target", capabilities: ["scripted"] },
  });
  agent = { id: r.body.agent_id, token: r.body.auth_token };
});
afterAll(() => s?.stop());

const nul = "a\u0000b";
const lone = "a\ud800b";
const intsOut = [2 ** 31, 2 ** 53 + 2, -1, 1e300];
const textOut = ["2147483648", "99999999999999999999", "-1", "1e300", "abc"];

const deref = (x: Schema): Schema =>
  x?.$ref
    ? deref(doc.components.schemas[x.$ref.split("/").pop()])
    : (x?.oneOf?.[0] ?? x?.anyOf?.[0] ?? x ?? {});
const typeOf = (x: Schema): string | undefined =>
  Array.isArray(x.type) ? x.type.find((t: string) => t !== "null") : x.type;

/** A valid value of a schema: required fields only, loopback URLs (nothing is ever fetched elsewhere). */
function sample(raw: Schema): unknown {
  const x = deref(raw);
  if (x.enum) return x.enum[0];
  switch (typeOf(x)) {
    case "string":
      if (x.format === "uuid") return randomUUID();
      if (x.format === "date-time") return new Date().toISOString();
      if (x.format === "uri") return "http://127.0.0.1:9/x";
      return "x".repeat(Math.max(x.minLength ?? 1, 1));
    case "integer":
    case "number":
      return Math.max(x.minimum ?? 1, 1);
    case "boolean":
      return false;
    case "array":
      return Array.from({ length: x.minItems ?? 0 }, () => sample(x.items ?? {}));
    case "object":
      return Object.fromEntries((x.required ?? []).map((k: string) => [k, sample(x.properties?.[k] ?? {})]));
    default:
      return {};
  }
}

interface Spot {
  path: (string | number)[];
  kind: "string" | "integer" | "json";
  /** The schemas along the path, to build the containers a nested field needs. */
  chain: Schema[];
}

/** Every string, integer and free JSON field of a body schema, optional and nested ones included. */
function spots(raw: Schema, path: (string | number)[] = [], chain: Schema[] = [], depth = 0): Spot[] {
  const x = deref(raw);
  const here = [...chain, x];
  const t = typeOf(x);
  if (depth > 6) return [];
  if (t === "string" && !x.enum && x.format !== "uuid") return [{ path, kind: "string", chain: here }];
  if (t === "integer" || t === "number") return [{ path, kind: "integer", chain: here }];
  if (t === "array") return spots(x.items ?? {}, [...path, 0], here, depth + 1);
  if (t === "object" || x.properties || x.additionalProperties !== undefined) {
    const own = Object.entries(x.properties ?? {}).flatMap(([k, v]) =>
      spots(v as Schema, [...path, k], here, depth + 1),
    );
    const open = x.additionalProperties !== undefined && x.additionalProperties !== false;
    return open ? [...own, { path, kind: "json", chain: here }] : own;
  }
  if (!t && !x.enum) return [{ path, kind: "json", chain: here }]; // z.unknown(): any JSON
  return [];
}

/** The body with `value` at `spot`, every container on the way built valid. */
function place(body: unknown, spot: Spot, value: unknown): unknown {
  if (!spot.path.length) return value;
  const root = structuredClone(body) as any;
  let at = root;
  spot.path.forEach((k, i) => {
    if (i === spot.path.length - 1) return void (at[k] = value);
    at[k] ??= sample(spot.chain[i + 1]!);
    if (Array.isArray(at[k]) && at[k].length === 0) at[k].push(sample(deref(spot.chain[i + 1]!).items));
    at = at[k];
  });
  return root;
}

const deep = (n: number): unknown => (n === 0 ? "x" : { d: deep(n - 1) });
const values: Record<Spot["kind"], unknown[]> = {
  string: [nul, lone, "x".repeat(200_000)],
  integer: intsOut,
  json: [{ k: nul }, { [`k${nul}`]: 1 }, { k: [lone] }, deep(80)],
};

/** Every case of every operation; DELETE and credential rotations last, so the rest keep their targets. */
function cases(): (Case & { method: string; path: string; base: Schema })[] {
  // /mcp speaks JSON-RPC, whose errors have their own shape: mcp.test.ts sends it bad input.
  const ops = Object.entries(doc.paths as Record<string, Record<string, Schema>>)
    .filter(([path]) => path !== "/mcp")
    .flatMap(([path, o]) => Object.entries(o).map(([method, op]) => ({ path, method, op })));
  const late = (o: { method: string; path: string }) =>
    o.method === "delete" || /deregister|rotate/.test(o.path) ? 1 : 0;
  ops.sort((a, b) => late(a) - late(b));
  return ops.flatMap(({ path, method, op }) => {
    const name = `${method.toUpperCase()} ${path}`;
    const out: Case[] = [];
    for (const p of (op.parameters ?? []) as Schema[]) {
      const numeric = ["integer", "number"].includes(typeOf(deref(p.schema)) ?? "");
      const vs =
        p.in === "header" || numeric ? textOut : [nul, lone, "x".repeat(4000), ...textOut.slice(0, 2)];
      for (const value of vs)
        out.push({
          op: name,
          where: p.in === "path" ? "params" : p.in,
          field: p.name,
          value,
          // A lone surrogate has no UTF-8 form to put in a URL: its bytes arrive as a malformed escape.
          named:
            value === nul && p.in !== "header" ? `${p.in === "path" ? "params" : p.in}.${p.name}` : undefined,
        });
    }
    const body = op.requestBody?.content?.["application/json"]?.schema;
    if (body)
      for (const spot of spots(body))
        for (const value of values[spot.kind])
          out.push({
            op: name,
            where: "body",
            field: JSON.stringify({ spot: spot.path, kind: spot.kind }),
            value: place(sample(body), spot, value),
            named:
              typeof value === "string" && value !== values.string[2]
                ? ["body", ...spot.path].join(".")
                : undefined,
          });
    return out.map((c) => ({ ...c, method, path, base: op }));
  });
}

/** A valid value for a path parameter: the real session, the registered agent, or one that does not exist. */
function param(path: string, name: string, schema: Schema): string {
  if (name === "seq") return "1";
  if (path.startsWith("/api/v1/agents/external/") && name === "id") return agent.id;
  if (name === "task" || path.startsWith("/api/v1/sessions/")) return session;
  return String(sample(schema));
}

const escape = (v: string) =>
  v.includes("\ud800") ? v.split("\ud800").map(encodeURIComponent).join("%ED%A0%80") : encodeURIComponent(v);

test("no operation answers a 5xx to a NUL, a lone surrogate, an over-long value or an out-of-range integer", async () => {
  const all = cases();
  const wrong: string[] = [];
  const started = Date.now();
  for (const c of all) {
    let url = c.path.replace(/\{(\w+)\}/g, (_, n: string) => {
      const p = (c.base.parameters ?? []).find((x: Schema) => x.name === n && x.in === "path");
      return c.where === "params" && c.field === n
        ? escape(String(c.value))
        : param(c.path, n, p?.schema ?? {});
    });
    if (c.where === "query") url += `?${encodeURIComponent(c.field)}=${escape(String(c.value))}`;
    const headers: Record<string, string> = {};
    if (c.where === "header") headers[c.field] = String(c.value);
    if (c.path.startsWith("/api/v1/agents/external/{id}")) headers["x-agent-token"] = agent.token;
    const body = c.base.requestBody?.content?.["application/json"]?.schema;
    const json = c.where === "body" ? c.value : body ? sample(body) : undefined;
    const r = await s.api(url, { method: c.method.toUpperCase(), headers, json });
    const what = `${c.op} ${c.where} ${c.field}=${JSON.stringify(c.value).slice(0, 80)} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`;
    if (r.status >= 500) wrong.push(`5xx: ${what}`);
    else if (r.status >= 400) {
      const e = r.body?.error;
      if (typeof e?.code !== "string" || typeof e?.message !== "string")
        wrong.push(`not the error shape: ${what}`);
      else if (r.status === 422 && !/\b(body|query|params|header)\b/.test(e.message))
        wrong.push(`a 422 naming no field: ${what}`);
      else if (c.named && !(r.status === 422 && e.message.includes(c.named)))
        wrong.push(`not refused naming ${c.named}: ${what}`);
    } else if (c.named) wrong.push(`accepted text the database cannot store: ${what}`);
  }
  expect(wrong, wrong.join("\n")).toEqual([]);
  expect(all.length).toBeGreaterThan(300); // about 500 today
  expect(Date.now() - started).toBeLessThan(45_000);
  expect((await s.api("/health/live")).status).toBe(200);
}, 60_000);

test("a hand-made list cursor with a key out of its column's range is a 422 naming query.cursor", async () => {
  const id = randomUUID();
  const cursors: [string, unknown, string?][] = [
    ["priority", 1e20],
    ["priority", -40_000],
    ["-createdAt", "99999-01-01T00:00:00Z"],
    ["-createdAt", "1"],
    ["updatedAt", "2024-13-45T99:99:99Z"],
    ["createdAt", "2024-01-01T00:00:00Z", "-".repeat(36)],
  ];
  for (const [sort, k, last = id] of cursors) {
    const s_ = sort.replace(/^-/, "").replace(/At$/, "_at");
    const cursor = Buffer.from(JSON.stringify({ k, id: last, s: s_ })).toString("base64url");
    const r = await s.api(`/api/v1/sessions?sort=${sort}&cursor=${cursor}`);
    expect(r.status, `${sort} ${String(k)}: ${JSON.stringify(r.body)}`).toBe(422);
    expect(r.body.error.message).toContain("query.cursor");
  }
});

test("what the database refuses of a value (the last resort behind validation) is the client's 422", async () => {
  const refused = async (q: ReturnType<typeof sql>) => {
    const err = await s.deps.db.rows(q).then(
      () => null,
      (e: unknown) => e,
    );
    return refusedValue(err);
  };
  // SQLSTATEs differ a little between PGlite and PostgreSQL (NUL in text: 22021 or 22P05): all class 22.
  const cases = [
    sql`select ${"a\u0000b"}::text`,
    sql`select ${'{"k":"\\u0000"}'}::jsonb`,
    sql`select ${"2147483648"}::int`,
    sql`select ${"-".repeat(36)}::uuid`,
    sql`select ${"2024-13-45"}::timestamptz`,
  ];
  for (const q of cases) {
    const e = await refused(q);
    expect(e?.status).toBe(422);
    expect((e?.details as { sqlstate: string }).sqlstate).toMatch(/^22/);
  }
  // Anything else stays an error of ours, a 500.
  expect(await refused(sql`select * from no_such_table`)).toBeNull();
});
