import type { Client } from "@orchestrator/sdk";
import type { Server } from "@orchestrator/server";
import { afterAll, beforeAll, expect, test } from "vitest";
import { spawn } from "node:child_process";
import { bin, run, serve } from "./harness.ts";

// `orchestrator context`: create, get, patch with dot paths and --if-match, a refusal that names what
// changed, and the history.
let server: Server;
let client: Client;
let env: Record<string, string>;
beforeAll(async () => {
  ({ server, client, env } = await serve());
}, 60_000);
afterAll(() => server?.stop());

test("create, patch by dot path, get a path, refuse a stale write naming the path, read the history", async () => {
  const made = await run(
    ["context", "create", "plan", "notes", "--owner", "p1", "--data", '{"api":{"style":"rest"}}'],
    env,
  );
  expect(made.stderr).toBe("");
  const id = /^created ([0-9a-f-]{36}) {2}plan:p1\/notes {2}version 0$/m.exec(made.stdout)![1]!;

  const p = await run(
    ["context", "patch", id, "--set", "api.style=grpc", "--inc", "runs=1", "--if-match", "0"],
    env,
  );
  expect(p.stdout.trim()).toBe("version 1");
  const got = await run(["context", "get", id, "api.style"], env);
  expect(got.stdout.trim()).toBe('"grpc"');
  expect(got.stderr).toContain("version 1");

  // Based on version 0 again: api.style changed since, so the write is refused and says what it is now.
  const stale = await run(["context", "patch", id, "--set", "api.style=soap", "--if-match", "0"], env);
  expect(stale.code).toBe(4);
  expect(stale.stderr).toContain("changed since the version you read (now version 1):");
  expect(stale.stderr).toContain('/api/style  now "grpc"');
  // A blind overwrite is refused too, and says how to write it.
  const blind = await run(["context", "patch", id, "--set", "api.style=soap"], env);
  expect(blind.code).toBe(4);
  expect(blind.stderr).toContain("--if-match 1, or --lww");
  // Merges need no precondition.
  expect((await run(["context", "patch", id, "--inc", "runs=2", "--append", "log=started"], env)).code).toBe(
    0,
  );
  expect((await client.contexts.get(id)).data).toEqual({ api: { style: "grpc" }, runs: 3, log: ["started"] });

  const h = await run(["context", "history", id], env);
  expect(h.stdout).toMatch(/^VERSION +AT +BY +TOUCHED/);
  expect(h.stdout).toMatch(/\n1 +\S+ \S+ +key [0-9a-f]{8} +\/api\/style, merge \/runs\n/);
  expect(h.stdout).toMatch(/\n2 +.*merge \/runs, merge \/log\n/);

  const usage = await run(["context", "patch", id], env);
  expect(usage.code).toBe(2);
  expect(usage.stderr).toContain("nothing to change");
}, 60_000);

test("diff between versions, a manual merge with a conflict settled from the CLI, and promotion", async () => {
  const a = await client.contexts.create({
    scope: "project",
    ownerId: "pr",
    name: "api",
    data: { db: "pg", port: 1 },
  });
  await client.contexts.patch(a.id, [{ op: "replace", path: "/port", value: 2 }], { ifMatch: 0 });
  const d = await run(["context", "diff", a.id], env);
  expect(d.stdout.trim()).toBe("~ /port  1 → 2");
  expect((await run(["context", "history", a.id, "--values"], env)).stdout).toContain("v1  /port  1 → 2");
  expect(d.stderr).toContain("version 0 → version 1");
  expect((await run(["context", "version", a.id, "0"], env)).stdout).toContain('"port": 1');

  const b = await client.contexts.create({
    scope: "session",
    ownerId: "s9",
    name: "api",
    data: { db: "sqlite", x: 1 },
  });
  const m = await run(["context", "merge", a.id, b.id, "--strategy", "manual"], env);
  const id = /^([0-9a-f-]{36}) {2}open {2}manual/m.exec(m.stdout)![1]!;
  expect(m.stdout).toContain('conflict /db: target "pg", source "sqlite"');
  expect((await run(["context", "merges"], env)).stdout).toContain(id);
  const r = await run(["context", "resolve", id, "--take", "db=source"], env);
  expect(r.stdout).toMatch(/resolved {2}manual .* → version 2/);
  expect((await client.contexts.get(a.id)).data).toEqual({ db: "sqlite", port: 2, x: 1 });

  const p = await run(["context", "promote", b.id, "plan", "--owner", "pl"], env);
  expect(p.stdout).toMatch(/applied {2}deep_merge/);
  const list = await run(["context", "list", "--scope", "plan", "--owner", "pl"], env);
  expect(list.stdout).toMatch(/plan:pl\/api +1 /);
  expect((await run(["context", "merge", a.id, b.id, "--strategy", "nope"], env)).code).toBe(2);
}, 60_000);

test("`orchestrator mcp` says where the MCP endpoint is, and an MCP client connects there", async () => {
  const r = await run(["mcp", "--json"], env);
  const out = JSON.parse(r.stdout);
  expect(out.url).toBe(`${server.url}/mcp`);
  expect(out.opencode.mcp.orchestrator).toMatchObject({ type: "remote", url: out.url, oauth: false });
  const init = await fetch(out.url, {
    method: "POST",
    headers: {
      authorization: `Bearer ${env.ORCHESTRATOR_API_KEY}`,
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
    },
    body: JSON.stringify({
      jsonrpc: "2.0",
      id: 1,
      method: "initialize",
      params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
    }),
  });
  expect(init.status).toBe(200);
  expect(init.headers.get("mcp-session-id")).toBeTruthy();
});

test("a reader that stops early (`orchestrator mcp | head -1`) ends the CLI quietly, not with a stack trace", async () => {
  const child = spawn(process.execPath, [bin, "mcp"], { env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.destroy(); // the reader is gone before the first line is written
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((r) => child.once("exit", r));
  expect(stderr).not.toContain("EPIPE");
  expect(code).toBe(0);
});
