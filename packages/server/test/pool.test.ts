import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createOpencodeClient } from "@opencode-ai/sdk/v2";
import { afterAll, expect, test } from "vitest";
import { demoConfig } from "../src/agent/opencode/config.ts";
import { type Lease, type Pool, create } from "../src/agent/opencode/pool.ts";
import { gitRepo } from "./harness.ts";

// Real `opencode serve` processes from the pinned package; the demo model is only configured, not called.
const root = mkdtempSync(path.join(tmpdir(), "io-pool-"));
let pool: Pool | null = null;

afterAll(async () => {
  await pool?.stop();
  rmSync(root, { recursive: true, force: true });
});

const pending = async (p: Promise<unknown>, ms = 500) =>
  (await Promise.race([p.then(() => "settled"), new Promise((r) => setTimeout(() => r("pending"), ms))])) ===
  "pending";

test("busy sessions are capped per server, the pool grows to its maximum, then requests queue in order", async () => {
  pool = create({ home: path.join(root, "home"), cwd: root, max: 2, perServer: 1, config: demoConfig });
  const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
  expect(a.oc.pid).not.toBe(b.oc.pid);
  expect(pool.servers().map((s) => [s.state, s.busy])).toEqual([
    ["ready", 1],
    ["ready", 1],
  ]);
  // Both servers are full and the pool is at its maximum: the next two wait, first come first served.
  const c = pool.acquire();
  const d = pool.acquire();
  expect(await pending(c)).toBe(true);
  b.release();
  b.release(); // idempotent: it must not free a second slot
  const got = await c;
  expect(got.oc.pid).toBe(b.oc.pid);
  expect(await pending(d)).toBe(true);
  // A waiter that gives up leaves the queue without taking a slot.
  const gaveUp = new AbortController();
  const e = pool.acquire(gaveUp.signal);
  gaveUp.abort(new Error("not needed"));
  await expect(e).rejects.toThrow("not needed");
  a.release();
  expect((await d).oc.pid).toBe(a.oc.pid);
  expect(pool.servers().length).toBe(2);
  got.release();
  (await d).release();
  expect(pool.servers().map((s) => s.busy)).toEqual([0, 0]);
}, 120_000);

test("finished sessions' OpenCode instances are disposed beyond a cap, and all once the server is idle, but never one in use", async () => {
  await pool?.stop();
  pool = create({
    home: path.join(root, "home2"),
    cwd: root,
    max: 1,
    perServer: 4,
    config: demoConfig,
    maxSpent: 1,
    idleMs: 300,
  });
  const [x, y, z] = await Promise.all(
    ["x", "y", "z"].map((n) => gitRepo(path.join(root, n), { "a.txt": "a\n" })),
  );
  const first = await pool.acquire();
  const oc = first.oc;
  const disposed: string[] = [];
  const events = await createOpencodeClient({
    baseUrl: oc.url,
    headers: { authorization: oc.auth },
  }).global.event();
  void (async () => {
    for await (const e of events.stream)
      if (e.payload.type === "server.instance.disposed") disposed.push(e.directory);
  })().catch(() => {});
  const boot = async (l: Lease, dir: string) => {
    l.use(dir);
    const c = createOpencodeClient({ baseUrl: oc.url, directory: dir, headers: { authorization: oc.auth } });
    expect((await c.session.create({ title: "t" })).data?.directory).toBe(dir);
  };
  const settle = () => new Promise((r) => setTimeout(r, 1000));
  await boot(first, x!);
  const second = await pool.acquire();
  await boot(second, y!);
  // x's session is done, but the server is busy with y: x stays loaded (one spent instance is allowed).
  first.release(x);
  // x's session is retried and takes its directory back, then y's session ends: x is in use, y is kept.
  const retry = await pool.acquire();
  retry.use(x!);
  second.release(y);
  await settle();
  expect(disposed).toEqual([]);
  // One more spent instance on a busy server: the oldest spent one goes.
  const third = await pool.acquire();
  await boot(third, z!);
  third.release(z);
  await settle();
  expect(disposed).toEqual([y]);
  // The server goes idle: everything spent goes, x included now that its session is done with it.
  retry.release(x);
  const until = Date.now() + 10_000;
  while (disposed.length < 3 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
  expect([...disposed].sort()).toEqual([x, y, z].sort());
  void events.stream.return?.(undefined);
}, 120_000);
