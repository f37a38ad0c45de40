import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import { hostname } from "node:os";
import path from "node:path";
import { type Client, Page, Session } from "@orchestrator/sdk";
import type { Server } from "@orchestrator/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { configHome, run, serve } from "./harness.ts";

let server: Server;
let client: Client;
let env: Record<string, string>;
beforeAll(async () => ({ server, client, env } = await serve()));
afterAll(() => server?.stop());

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as net.AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe("sessions", { timeout: 60_000 }, () => {
  test("create, ls and show speak JSON with --json and tables without", async () => {
    const created = await run(
      [
        "--json",
        "sessions",
        "create",
        "--title",
        "Listed",
        "--prompt",
        "succeed",
        "--tag",
        "cli",
        "--tag",
        "x",
        "--priority",
        "high",
        "--hold",
      ],
      env,
    );
    expect(created.code).toBe(0);
    const s = Session.parse(JSON.parse(created.stdout));
    expect(s).toMatchObject({ title: "Listed", status: "pending", priority: "high", tags: ["cli", "x"] });

    const ls = await run(["--json", "sessions", "ls", "--tag", "cli", "--status", "pending"], env);
    expect(Page.parse(JSON.parse(ls.stdout)).items.map((i) => i.id)).toEqual([s.id]);

    const shown = await run(["--json", "sessions", "show", s.id], env);
    expect(Session.parse(JSON.parse(shown.stdout)).id).toBe(s.id);

    const table = await run(["sessions", "ls", "--tag", "cli"], env);
    expect(table.stdout.split("\n")[0]).toMatch(
      /^STATUS\s+TITLE\s+ID\s+PROJECT\s+AGE\s+DURATION\s+ATTEMPT\s+TOKENS\s+COST$/,
    );
    expect(table.stdout).toMatch(new RegExp(`pending\\s+Listed\\s+${s.id}\\s+-\\s+\\d+s\\s+-\\s+0/3`));
  });

  test("ls --all follows cursors past the first page", async () => {
    for (let i = 0; i < 3; i++)
      await client.sessions.create({ title: `Paged ${i}`, prompt: "succeed", tags: ["paged"], hold: true });
    const first = await run(["--json", "sessions", "ls", "--tag", "paged", "--limit", "2"], env);
    expect(JSON.parse(first.stdout).items).toHaveLength(2);
    const all = await run(["--json", "sessions", "ls", "--tag", "paged", "--limit", "2", "--all"], env);
    expect(JSON.parse(all.stdout).items.map((s: Session) => s.title)).toEqual([
      "Paged 2",
      "Paged 1",
      "Paged 0",
    ]);
  });

  test("actions move a session and print its new status", async () => {
    const s = await client.sessions.create({ title: "Controlled", prompt: "hang", hold: true });
    const started = await run(["sessions", "start", s.id], env);
    expect(started.stdout).toBe(`queued  Controlled  ${s.id}\n`);
    const cancelled = await run(["--json", "sessions", "cancel", s.id, "--reason", "changed my mind"], env);
    expect(JSON.parse(cancelled.stdout).status).toBe("cancelled");
    const log = await run(["events", s.id], env);
    expect(log.stdout).toMatch(/→ cancelled \(attempt \d\): changed my mind\n$/);
  });
});

describe("exit codes", { timeout: 60_000 }, () => {
  test("an unknown session exits 3", async () => {
    const r = await run(["sessions", "show", "00000000-0000-4000-8000-000000000000"], env);
    expect(r.stderr).toMatch(/^error: session .* not found\n$/);
    expect(r.code).toBe(3);
  });

  test("a transition the session's status does not allow exits 4 and says what is allowed", async () => {
    const s = await client.sessions.create({ title: "Held", prompt: "succeed", hold: true });
    const r = await run(["sessions", "resume", s.id], env);
    expect(r.stderr).toContain("allowed while pending: start, cancel");
    expect(r.code).toBe(4);
  });

  test("input the server rejects exits 2, as do usage mistakes caught before sending", async () => {
    const bad = await run(
      ["sessions", "create", "--title", "x", "--prompt", "y", "--priority", "urgent"],
      env,
    );
    expect(bad.stderr).toMatch(/^error: body\.priority: /);
    expect(bad.code).toBe(2);
    const both = await run(["sessions", "create", "--title", "x"], env);
    expect(both.stderr).toContain("give exactly one of --prompt and --prompt-file");
    expect(both.code).toBe(2);
    const notInt = await run(
      ["sessions", "create", "--title", "x", "--prompt", "y", "--max-attempts", "many"],
      env,
    );
    expect(notInt.code).toBe(2);
    const unknown = await run(["sessions", "frobnicate"], env);
    expect(unknown.code).toBe(2);
  });

  test("a server that cannot be reached exits 5", async () => {
    const r = await run(["sessions", "ls"], {
      ...env,
      ORCHESTRATOR_URL: `http://127.0.0.1:${await closedPort()}`,
    });
    expect(r.stderr).toMatch(/^error: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n/);
    expect(r.code).toBe(5);
  });

  test("a wrong key exits 6", async () => {
    const r = await run(["--key", "io_wrong_key", "sessions", "ls"], env);
    expect(r.stderr).toContain("error: the API key is not valid");
    expect(r.code).toBe(6);
  });

  test("with --json, errors are JSON on stderr", async () => {
    const r = await run(["--json", "sessions", "show", "00000000-0000-4000-8000-000000000000"], env);
    expect(JSON.parse(r.stderr).error).toMatchObject({ code: "not_found", status: 404 });
    expect(r.stdout).toBe("");
    expect(r.code).toBe(3);
  });
});

describe("login", { timeout: 60_000 }, () => {
  test("saves a checked login context (mode 0600) that later commands use without flags or env", async () => {
    const home = configHome();
    const login = await run(["login", "--url", server.url, "--key", server.adminKey!], {
      XDG_CONFIG_HOME: home,
    });
    expect(login.code).toBe(0);
    const file = path.join(home, "orchestrator", "config.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      contexts: { default: { url: server.url, key: server.adminKey } },
    });

    const agents = await run(["agents", "ls"], { XDG_CONFIG_HOME: home });
    expect(agents.code).toBe(0);
    expect(agents.stdout).toMatch(/^NAME\s+KIND\s+STATUS\s+LOAD\s+TIER\s+BREAKER\s+CAPABILITIES\n/);
    expect(agents.stdout).toMatch(
      /\nscripted\s+scripted\s+online\s+0\/\d+\s+competent\s+closed\s+scripted\n/,
    );
  });

  test("named contexts are chosen with --context, and flags win over the context", async () => {
    const home = configHome();
    expect(
      (
        await run(["login", "--context", "ci", "--url", server.url, "--key", server.adminKey!], {
          XDG_CONFIG_HOME: home,
        })
      ).code,
    ).toBe(0);
    expect((await run(["--context", "ci", "sessions", "stats"], { XDG_CONFIG_HOME: home })).code).toBe(0);
    expect(
      (await run(["--context", "ci", "--key", "io_wrong", "sessions", "stats"], { XDG_CONFIG_HOME: home }))
        .code,
    ).toBe(6);
  });

  test("the environment wins over the saved context", async () => {
    const home = configHome();
    const bad = `http://127.0.0.1:${await closedPort()}`;
    expect(
      (await run(["login", "--url", server.url, "--key", server.adminKey!], { XDG_CONFIG_HOME: home })).code,
    ).toBe(0);
    expect((await run(["sessions", "stats"], { XDG_CONFIG_HOME: home, ORCHESTRATOR_URL: bad })).code).toBe(5);
  });

  test("a key the server rejects is not saved", async () => {
    const home = configHome();
    const r = await run(["login", "--url", server.url, "--key", "io_wrong_key"], { XDG_CONFIG_HOME: home });
    expect(r.code).toBe(6);
    expect(() => statSync(path.join(home, "orchestrator", "config.json"))).toThrow();
  });
});

describe("serve", { timeout: 60_000 }, () => {
  test("a data directory in use fails with one clean error line, not a stack trace", async () => {
    const dataDir = path.join(configHome(), "data");
    mkdirSync(dataDir);
    // What a running server leaves there: the lock names a live process (this one) on this host.
    writeFileSync(
      path.join(dataDir, "orchestrator.lock"),
      JSON.stringify({ pid: process.pid, host: hostname() }),
    );
    const r = await run(["serve", "--port", "0", "--data-dir", dataDir], { XDG_CONFIG_HOME: configHome() });
    expect(r.stderr).toMatch(/^error: data directory .* is in use by process \d+ .*\n$/);
    expect(r.code).toBe(4);
  });
});
