import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";
import { type Proc, spawnServer } from "./proc.ts";
import { serve } from "../src/main.ts";

// What `orchestrator serve` prints when it starts: the banner a person reads (and the browser tests'
// fixture parses), and the log lines around it, as JSON lines or pino-pretty's lines.
const root = mkdtempSync(path.join(tmpdir(), "io-banner-"));
const procs: Proc[] = [];
afterAll(() => {
  for (const p of procs) p.child.kill("SIGKILL");
  rmSync(root, { recursive: true, force: true });
});
const dir = (name: string) => path.join(root, name);

/** The banner's lines: from "listening on" to the key's "Use it with", and whatever came between. */
function bannerOf(out: string): string[] {
  const lines = out.split("\n");
  const from = lines.findIndex((l) => l.startsWith("Industrial Orchestrator listening on"));
  const to = lines.findIndex((l) => l.startsWith("  Use it with: orchestrator login"));
  expect(from, out).toBeGreaterThanOrEqual(0);
  expect(to, out).toBeGreaterThan(from);
  return lines.slice(from, to + 1);
}
const isJson = (line: string) => {
  try {
    return typeof JSON.parse(line) === "object";
  } catch {
    return false;
  }
};

test("the banner goes out in one write, the admin key inside it", async () => {
  const writes: string[] = [];
  const server = await serve(
    { memory: true, env: {}, config: { port: 0, grpcPort: -1, logLevel: "silent", dataDir: dir("one") } },
    (text) => writes.push(text),
  );
  try {
    expect(writes).toHaveLength(1);
    const lines = bannerOf(writes[0]!);
    expect(lines).toContain(`    ${server.adminKey}`);
    expect(lines).toContain("  An admin API key was created. It is shown only this once; keep it:");
  } finally {
    await server.stop();
  }
}, 60_000);

test("on a pipe, log lines are JSON lines and none lands inside the banner", async () => {
  const p = await spawnServer({ LOG_LEVEL: "info", ORCHESTRATOR_DATA_DIR: dir("pipe"), DATABASE_URL: "" });
  procs.push(p);
  await expect.poll(() => p.output(), { timeout: 10_000 }).toMatch(/Use it with: orchestrator login/);
  const out = p.output();
  const banner = bannerOf(out);
  expect(banner.filter(isJson)).toEqual([]);
  expect(banner.find((l) => /^\s+io_/.test(l))).toBe(`    ${p.key}`);
  // Everything else it printed is a JSON log line, the "listening" one among them.
  const rest = out.split("\n").filter((l) => l && !banner.includes(l));
  expect(rest.filter((l) => !isJson(l))).toEqual([]);
  expect(rest.map((l) => JSON.parse(l).msg)).toContain("listening");
  p.child.kill("SIGTERM");
  expect(await p.exited).toBe(0);
}, 120_000);

test("ORCHESTRATOR_LOG_FORMAT=pretty prints log lines for people, even on a pipe", async () => {
  const p = await spawnServer({
    LOG_LEVEL: "info",
    ORCHESTRATOR_LOG_FORMAT: "pretty",
    ORCHESTRATOR_DATA_DIR: dir("pretty"),
    DATABASE_URL: "",
  });
  procs.push(p);
  await expect.poll(() => p.output(), { timeout: 10_000 }).toMatch(/Use it with: orchestrator login/);
  const lines = p.output().split("\n");
  expect(lines.filter(isJson)).toEqual([]);
  // pino-pretty's form, with no colour codes on a pipe: "[12:34:56.789] INFO: listening", then the fields.
  const at = lines.findIndex((l) => /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening$/.test(l));
  expect(at, p.output()).toBeGreaterThanOrEqual(0);
  expect(lines[at + 1]).toMatch(/^ {4}url: "http:\/\/127\.0\.0\.1:\d+"$/);
  p.child.kill("SIGTERM");
  expect(await p.exited).toBe(0);
}, 120_000);

// util-linux `script` runs a command on a pseudo-terminal, as `npm start` runs in a person's terminal.
const hasScript = /util-linux/.test(spawnSync("script", ["--version"], { encoding: "utf8" }).stdout ?? "");

describe.skipIf(!hasScript)("on a terminal", () => {
  test("log lines are pretty by default, and the banner is whole", async () => {
    const bin = fileURLToPath(new URL("../../cli/bin/orchestrator.js", import.meta.url));
    const quote = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    // `exec`: the server is the terminal's process, so script's SIGTERM on exit reaches it.
    const child = spawn(
      "script",
      ["-qfec", `exec ${[process.execPath, bin, "serve"].map(quote).join(" ")}`, "/dev/null"],
      {
        env: {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? "/tmp",
          TERM: "dumb", // no colours: the test reads plain text
          PORT: "0",
          LOG_LEVEL: "info",
          ORCHESTRATOR_DATA_DIR: dir("tty"),
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out = (out + d.toString()).replace(/\r+\n/g, "\n")));
    const exited = new Promise((r) => child.once("exit", r));
    try {
      await expect.poll(() => out, { timeout: 120_000 }).toMatch(/Use it with: orchestrator login/);
      const banner = bannerOf(out);
      expect(banner.filter((l) => /INFO|WARN|ERROR|^\{/.test(l))).toEqual([]);
      expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: listening$/m);
      expect(out.split("\n").filter(isJson)).toEqual([]);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  }, 150_000);
});
