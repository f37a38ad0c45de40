import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { test as base, expect, type Page } from "@playwright/test";
import { childEnv } from "./config.ts";

/**
 * A real server per test file, started the way a newcomer starts it (`orchestrator serve`), on a free port
 * and a fresh PGlite directory, with short heartbeats so agents go offline within seconds. Its admin key
 * is read from what it prints.
 */
export interface Server {
  url: string;
  key: string;
  grpc: string | null;
  dir: string;
  api<T = any>(p: string, init?: { method?: string; json?: unknown }): Promise<{ status: number; body: T }>;
}

export const ttlMs = 3000;

async function start(
  extra: Record<string, string> = {},
): Promise<{ server: Server; stop: () => Promise<void> }> {
  const dir = mkdtempSync(path.join(tmpdir(), "io-e2e-"));
  mkdirSync(path.join(dir, "data"));
  const child: ChildProcess = spawn(process.execPath, ["packages/cli/bin/orchestrator.js", "serve"], {
    env: {
      ...childEnv,
      PORT: "0",
      HOST: "127.0.0.1",
      ORCHESTRATOR_DATA_DIR: path.join(dir, "data"),
      ORCHESTRATOR_REPO_ROOTS: dir,
      ORCHESTRATOR_AGENT_HEARTBEAT_MS: "1000",
      ORCHESTRATOR_AGENT_TTL_MS: String(ttlMs),
      ORCHESTRATOR_POLL_MS: "100",
      // The scripted A2A agent of the tests listens on loopback, which the SSRF guard refuses otherwise.
      ORCHESTRATOR_AGENT_ALLOW_HOSTS: "127.0.0.1",
      LOG_LEVEL: "warn",
      DATABASE_URL: "",
      ...extra,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr!.on("data", (d) => process.stderr.write(d));
  const ready = new Promise<{ url: string; key: string; grpc: string | null }>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const url = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      const key = /\n\s+(io_[A-Za-z0-9_-]+)\n/.exec(out)?.[1];
      const grpc = /EAP gRPC\s+(\S+)/.exec(out)?.[1] ?? null;
      if (url && key) resolve({ url, key, grpc });
    });
    child.once("exit", (code) => reject(new Error(`server exited ${code}:\n${out}`)));
    const t = setTimeout(() => reject(new Error(`server did not start in 120 s:\n${out}`)), 120_000);
    child.stdout!.on("data", () => out.includes("io_") && clearTimeout(t));
  });
  const { url, key, grpc } = await ready;
  const api: Server["api"] = async (p, init = {}) => {
    const res = await fetch(url + p, {
      method: init.method ?? (init.json === undefined ? "GET" : "POST"),
      headers: {
        authorization: `Bearer ${key}`,
        ...(init.json === undefined ? {} : { "content-type": "application/json" }),
      },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const stop = async () => {
    if (child.exitCode === null) {
      const gone = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([gone, new Promise((r) => setTimeout(r, 10_000))]);
      child.kill("SIGKILL");
    }
    // A server killed before its shutdown finished leaves its OpenCode servers running; it lists them.
    try {
      const pids = JSON.parse(readFileSync(path.join(dir, "data", "opencode", "servers.json"), "utf8"));
      for (const pid of pids as number[])
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
    } catch {
      // no OpenCode ever started
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { server: { url, key, grpc, dir, api }, stop };
}

export const test = base.extend<
  { signedIn: Page },
  { server: Server; serverEnv: Record<string, string>; ownServer: false | string }
>({
  /** More environment for this file's server (`test.use({ serverEnv })`; a file that sets it gets its own). */
  serverEnv: [{}, { scope: "worker", option: true }],
  /**
   * A server no other file has used (`test.use({ ownServer: "<file>" })`, a name no other file gives: files
   * with equal worker options may share a worker, and so a server), for a test that counts what is on
   * it: the servers of a worker are otherwise shared by the files it runs, in order.
   */
  ownServer: [false, { scope: "worker", option: true }],
  /** Every page runs under the server's Content-Security-Policy: anything it refuses fails the test. */
  page: async ({ page }, use) => {
    const refused: string[] = [];
    await page.addInitScript(() =>
      document.addEventListener("securitypolicyviolation", (e) =>
        console.error(
          `CSP refused ${e.effectiveDirective}: ${e.blockedURI} (${e.sourceFile}:${e.lineNumber})`,
        ),
      ),
    );
    page.on("console", (m) => {
      if (/^CSP refused|Content Security Policy/.test(m.text())) refused.push(m.text());
    });
    await use(page);
    expect(refused, "what the page's Content-Security-Policy refused").toEqual([]);
  },
  server: [
    async ({ serverEnv, ownServer: _ }, use) => {
      const { server, stop } = await start(serverEnv);
      await use(server);
      await stop();
    },
    { scope: "worker", timeout: 150_000 },
  ],
  /** A page already signed in: the key is where the sign-in form puts it. */
  signedIn: async ({ page, server }, use) => {
    await page.addInitScript((k) => localStorage.setItem("orchestrator.key", k), server.key);
    await use(page);
  },
});
export { expect };

/** Poll the API until the session is in one of these states. */
export async function settle(s: Server, id: string, states: string[], ms = 60_000): Promise<any> {
  const end = Date.now() + ms;
  for (;;) {
    const r = await s.api(`/api/v1/sessions/${id}`);
    if (states.includes(r.body.status)) return r.body;
    if (Date.now() > end) throw new Error(`session ${id} is ${r.body.status}, not ${states.join("/")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Screenshots kept as CI artefacts (test-results/screenshots). */
export const shot = (page: Page, name: string) =>
  page.screenshot({ path: path.join("test-results", "screenshots", `${name}.png`), fullPage: true });

/** A git repository with one commit of these files, in the server's allowed root. */
export function gitRepo(s: Server, name: string, files: Record<string, string>): string {
  const dir = path.join(s.dir, name);
  mkdirSync(dir);
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), text);
  }
  const git = (...a: string[]) =>
    execFileSync("git", ["-C", dir, "-c", "user.email=t@e", "-c", "user.name=t", ...a]);
  git("init", "-q", "-b", "main");
  git("add", ".");
  git("commit", "-qm", "init");
  return dir;
}
