import { createHmac, timingSafeEqual } from "node:crypto";
import {
  type IncomingHttpHeaders,
  type Server as HttpServer,
  type ServerResponse,
  createServer,
} from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as Keys from "../src/auth/key.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import { claim, fanOut, forget } from "../src/webhook/worker.ts";
import { type TestServer, create, serve, settle, until } from "./harness.ts";

/** A real HTTP receiver on loopback: records every request; `answers` says what each path replies. */
interface Got {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
let receiver: HttpServer;
let base = "";
const got: Got[] = [];
const answers = new Map<string, number[]>();
/** Paths that never answer (until the suite ends). */
const hanging = new Set<string>();
const held: ServerResponse[] = [];

let s: TestServer;
beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      got.push({ path: req.url ?? "", headers: req.headers, body });
      if (hanging.has(req.url ?? "")) return void held.push(res);
      const queue = answers.get(req.url ?? "") ?? [];
      res.writeHead(queue.shift() ?? 200).end("ok");
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  // Loopback is allowed the way agent tests allow it: the webhooks' own allowlist.
  s = await serve({
    config: {
      webhooks: { allowHosts: ["127.0.0.1"], retryBaseMs: 50, retryCapMs: 200, maxAttempts: 4, pollMs: 50 },
    },
  });
});
afterAll(async () => {
  await s?.stop();
  for (const res of held) res.end();
  receiver?.close();
});

const hook = async (path: string, events: string[], extra: Record<string, unknown> = {}) => {
  const r = await s.api("/api/v1/webhooks", { method: "POST", json: { url: base + path, events, ...extra } });
  expect(r.status).toBe(201);
  return r.body as { id: string; secret: string };
};
const at = (path: string) => got.filter((g) => g.path === path);

/** What a receiver does: recompute the HMAC over "<t>.<body>" and compare in constant time. */
function verifies(secret: string, g: Got): boolean {
  const header = String(g.headers["x-orchestrator-signature"]);
  const t = /t=(\d+)/.exec(header)?.[1];
  const v1 = /v1=([0-9a-f]{64})/.exec(header)?.[1];
  if (!t || !v1) return false;
  const mac = createHmac("sha256", secret).update(`${t}.${g.body}`).digest();
  return timingSafeEqual(mac, Buffer.from(v1, "hex"));
}

describe("webhooks", () => {
  test("the secret is shown once; a completed session arrives signed, with its event id", async () => {
    const { id, secret } = await hook("/done", ["session.completed", "session.failed"]);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    const shown = await s.api(`/api/v1/webhooks/${id}`);
    expect(shown.body).toMatchObject({ id, url: `${base}/done`, active: true, last: null, failed: 0 });
    expect(JSON.stringify(shown.body)).not.toContain(secret);
    expect(JSON.stringify((await s.api("/api/v1/webhooks")).body)).not.toContain(secret);

    const session = await create(s, { title: "Ship it", prompt: "succeed" });
    await settle(s, session.id, ["completed"]);
    const [g] = await until(async () => (at("/done").length ? at("/done") : null), 10_000, "the delivery");
    expect(verifies(secret, g!)).toBe(true);
    expect(verifies(`${secret}x`, g!)).toBe(false);
    const body = JSON.parse(g!.body);
    expect(body).toMatchObject({
      type: "session.completed",
      data: { session: { id: session.id, title: "Ship it" }, to: "completed" },
    });
    expect(body.text).toContain('Session "Ship it" completed');
    expect(g!.headers["x-orchestrator-event"]).toBe("session.completed");
    expect(g!.headers["x-orchestrator-event-id"]).toBe(body.id);
    const list = await s.api(`/api/v1/webhooks/${id}/deliveries`);
    expect(list.body.items).toMatchObject([
      { id: body.id, event: "session.completed", status: "delivered", attempt: 1, lastStatus: 200 },
    ]);
  });

  test("a receiver failing twice then succeeding gets the event on the third attempt, same id", async () => {
    const { id, secret } = await hook("/flaky", ["session.failed"]);
    answers.set("/flaky", [500, 503]);
    const session = await create(s, { prompt: "fail on purpose", maxAttempts: 1 });
    await settle(s, session.id, ["failed"]);
    const tries = await until(
      async () => (at("/flaky").length >= 3 ? at("/flaky") : null),
      10_000,
      "3 tries",
    );
    expect(tries.map((t) => t.headers["x-orchestrator-attempt"])).toEqual(["1", "2", "3"]);
    expect(new Set(tries.map((t) => t.headers["x-orchestrator-event-id"])).size).toBe(1);
    expect(tries.every((t) => verifies(secret, t))).toBe(true);
    const [d] = await until(async () => {
      const r = await s.api(`/api/v1/webhooks/${id}/deliveries`);
      return r.body.items[0]?.status === "delivered" ? r.body.items : null;
    });
    expect(d).toMatchObject({ event: "session.failed", attempt: 3, lastStatus: 200, lastError: null });
    expect(d.deliveredAt).toBeTruthy();
    const metrics = String((await s.api("/metrics")).body);
    const retries = /orchestrator_webhook_attempts_total\{result="retry"\} (\d+)/.exec(metrics)?.[1];
    expect(Number(retries)).toBeGreaterThanOrEqual(2);
  });

  test("a receiver that never succeeds is given up after the last attempt", async () => {
    const { id } = await hook("/down", ["session.cancelled"]);
    answers.set("/down", [500, 500, 500, 500, 500]);
    const session = await create(s, { prompt: "succeed", hold: true });
    expect((await s.api(`/api/v1/sessions/${session.id}/cancel`, { method: "POST" })).status).toBe(200);
    const [d] = await until(async () => {
      const r = await s.api(`/api/v1/webhooks/${id}/deliveries?status=failed`);
      return r.body.items.length ? r.body.items : null;
    });
    expect(d).toMatchObject({ status: "failed", attempt: 4, maxAttempts: 4, lastStatus: 500, nextAt: null });
    expect(at("/down")).toHaveLength(4);
    expect((await s.api(`/api/v1/webhooks/${id}`)).body.failed).toBe(1);
  });

  test("URLs to private, loopback-not-allowed or metadata addresses are refused naming body.url", async () => {
    for (const url of [
      "http://169.254.169.254/latest/meta-data",
      "http://10.1.2.3/hook",
      "http://[::1]:9/x",
    ]) {
      const r = await s.api("/api/v1/webhooks", { method: "POST", json: { url, events: ["plan.status"] } });
      expect(r.status, url).toBe(422);
      expect(r.body.error.details.issues[0].path).toBe("body.url");
      expect(r.body.error.message).toContain("webhooks.allowHosts");
    }
    const { id } = await hook("/ok", ["plan.status"]);
    const moved = await s.api(`/api/v1/webhooks/${id}`, {
      method: "PATCH",
      json: { url: "http://169.254.169.254/" },
    });
    expect(moved.status).toBe(422);
    expect(moved.body.error.details.issues[0].path).toBe("body.url");
  });

  test("bad input is a 4xx naming each field; members and other tenants cannot reach webhooks", async () => {
    const bad = await s.api("/api/v1/webhooks", {
      method: "POST",
      json: { url: "ftp://x", events: ["session.exploded"], active: "yes" },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      "body.active",
      "body.events.0",
    ]);
    const scheme = await s.api("/api/v1/webhooks", {
      method: "POST",
      json: { url: "ftp://x", events: ["plan.status"] },
    });
    expect(scheme.status).toBe(422);
    expect(scheme.body.error.details.issues[0]).toMatchObject({ path: "body.url" });
    const twice = await s.api("/api/v1/webhooks", {
      method: "POST",
      json: { url: `${base}/x`, events: ["plan.status", "plan.status"] },
    });
    expect(twice.body.error.details.issues[0].path).toBe("body.events");
    const empty = await s.api("/api/v1/webhooks/00000000-0000-4000-8000-000000000000", {
      method: "PATCH",
      json: {},
    });
    expect(empty.status).toBe(422);
    expect((await s.api("/api/v1/webhooks/nope")).body.error.details.issues[0].path).toBe("params.id");
    const query = await s.api(`/api/v1/webhooks/00000000-0000-4000-8000-000000000000/deliveries?limit=0`);
    expect(query.body.error.details.issues[0].path).toBe("query.limit");

    const { id } = await hook("/mine", ["plan.status"]);
    const member = await Keys.create(s.deps.db, s.deps.defaultTenant, "m", "member");
    expect((await s.api("/api/v1/webhooks", { key: member.key })).status).toBe(403);
    const other = await Tenant.ensure(s.deps.db, "hooks-other");
    const admin = await Keys.create(s.deps.db, other, "a", "admin");
    expect((await s.api(`/api/v1/webhooks/${id}`, { key: admin.key })).status).toBe(404);
    expect((await s.api(`/api/v1/webhooks/${id}/ping`, { method: "POST", key: admin.key })).status).toBe(404);
    expect((await s.api("/api/v1/webhooks", { key: admin.key })).body.items).toEqual([]);
  });

  test("ping answers how it went; rotate changes the secret that signs; rm removes", async () => {
    const { id, secret } = await hook("/ping", ["plan.status"], { active: false });
    const ok = await s.api(`/api/v1/webhooks/${id}/ping`, { method: "POST" });
    expect(ok.body).toMatchObject({ event: "ping", status: "delivered", attempt: 1, lastStatus: 200 });
    expect(verifies(secret, at("/ping").at(-1)!)).toBe(true);

    const rotated = await s.api(`/api/v1/webhooks/${id}/rotate`, { method: "POST" });
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);
    await s.api(`/api/v1/webhooks/${id}/ping`, { method: "POST" });
    expect(verifies(rotated.body.secret, at("/ping").at(-1)!)).toBe(true);
    expect(verifies(secret, at("/ping").at(-1)!)).toBe(false);

    answers.set("/ping", [502]);
    const failed = await s.api(`/api/v1/webhooks/${id}/ping`, { method: "POST" });
    expect(failed.body).toMatchObject({ status: "failed", lastStatus: 502, lastError: "HTTP 502" });

    expect((await s.api(`/api/v1/webhooks/${id}`, { method: "DELETE" })).status).toBe(204);
    expect((await s.api(`/api/v1/webhooks/${id}`)).status).toBe(404);
  });

  test("an inactive webhook queues nothing; turned back on, it hears events from then", async () => {
    const { id } = await hook("/paused", ["session.completed"], { active: false });
    const before = await create(s, { prompt: "succeed" });
    await settle(s, before.id, ["completed"]);
    await s.api(`/api/v1/webhooks/${id}`, { method: "PATCH", json: { active: true } });
    const after = await create(s, { prompt: "succeed" });
    await settle(s, after.id, ["completed"]);
    await until(async () => (at("/paused").length ? true : null), 10_000, "the delivery");
    const bodies = at("/paused").map((g) => JSON.parse(g.body).data.session.id);
    expect(bodies).toEqual([after.id]);
  });

  test("a claimed delivery is not claimed again while its lease holds", async () => {
    const { id } = await hook("/lease", ["plan.status"], { active: true });
    const tenant = s.deps.defaultTenant;
    const when = "2000-01-01T00:00:00Z";
    await s.deps.db.rows(sql`
      insert into webhook_deliveries (id, tenant_id, webhook_id, event, payload, status, max_attempts, next_at,
        lease_until, created_at, updated_at)
      values (gen_random_uuid(), ${tenant}, ${id}, 'plan.status', '{}'::jsonb, 'pending', 3, ${when},
        now() + interval '1 hour', ${when}, ${when})`);
    // Held by a "node" for an hour: neither this node's worker nor a claim here may take it. (An earlier
    // test's delivery that has come due may be claimed here: only this webhook's counts.)
    expect((await claim(s.deps, 10)).filter((d) => d.webhookId === id)).toEqual([]);
    const rows = await s.deps.db.rows(sql`select attempt from webhook_deliveries where webhook_id = ${id}`);
    expect(rows).toEqual([{ attempt: 0 }]);
  });

  test("ended deliveries older than the retention are forgotten; pending ones stay", async () => {
    const { id } = await hook("/old", ["plan.status"], { active: false });
    const old = "2001-01-01T00:00:00Z";
    for (const status of ["delivered", "failed", "pending"])
      await s.deps.db.rows(sql`
        insert into webhook_deliveries (id, tenant_id, webhook_id, event, payload, status, max_attempts, next_at,
          created_at, updated_at)
        values (gen_random_uuid(), ${s.deps.defaultTenant}, ${id}, 'plan.status', '{}'::jsonb, ${status}, 3,
          ${old}, ${old}, ${old})`);
    expect(await forget(s.deps)).toBeGreaterThanOrEqual(2);
    const left = await s.api(`/api/v1/webhooks/${id}/deliveries`);
    expect(left.body.items.map((d: { status: string }) => d.status)).toEqual(["pending"]);
  });

  // Last: it stops this server's worker.
  test("stopping hands a call in flight back unspent; events logged meanwhile are queued once later", async () => {
    hanging.add("/slow");
    const slow = await hook("/slow", ["session.completed"]);
    await settle(s, (await create(s, { prompt: "succeed" })).id, ["completed"]);
    await until(async () => at("/slow").length === 1, 10_000, "the call in flight");
    await s.deps.webhooks.stop();
    const [back] = await s.deps.db.rows(sql`
      select status, attempt, lease_until from webhook_deliveries where webhook_id = ${slow.id}`);
    expect(back).toEqual({ status: "pending", attempt: 0, lease_until: null });

    const { id } = await hook("/later", ["session.completed"]);
    const session = await create(s, { prompt: "succeed" });
    await settle(s, session.id, ["completed"]);
    const count = async () =>
      (await s.deps.db.rows(sql`select id from webhook_deliveries where webhook_id = ${id}`)).length;
    expect(await count()).toBe(0);
    // Two nodes' passes at once: the webhook's row lock and the (webhook, event) key make it one delivery.
    await Promise.all([fanOut(s.deps, null), fanOut(s.deps, null)]);
    expect(await count()).toBe(1);
    const claimed = await claim(s.deps, 10);
    expect(claimed.filter((c) => c.webhookId === id)).toHaveLength(1);
  });
});
