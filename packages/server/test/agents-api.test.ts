import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { sql } from "drizzle-orm";
import { ApiError, type Client, createClient } from "@orchestrator/sdk";
import * as Keys from "../src/auth/key.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import { type TestServer, serve } from "./harness.ts";
import { SdkAgent } from "./a2a-agent.ts";

let s: TestServer;
let client: Client;
const agents: SdkAgent[] = [];
beforeAll(async () => {
  s = await serve({ engine: { enabled: false } as never, config: { agents: { allowHosts: ["127.0.0.1"] } } });
  client = createClient({ url: s.url, key: s.key });
});
afterAll(async () => {
  for (const a of agents) a.stop();
  await s?.stop();
});

const sdkAgent = async (opts: Parameters<SdkAgent["start"]>[0]) => {
  const a = new SdkAgent();
  agents.push(a);
  return { a, cardUrl: await a.start(opts) };
};
const registry = async () =>
  (await s.deps.db.rows(sql`select id, name, deleted_at from agents order by id`)).map((r) =>
    JSON.stringify(r),
  );
const post = (path: string, json: unknown) => s.api(path, { method: "POST", json });

describe("previewing an A2A agent's card", () => {
  test("shows what registering would create, and saves nothing", async () => {
    const { a, cardUrl } = await sdkAgent({
      streaming: true,
      push: true,
      skills: [
        { id: "summarise", tags: ["documentation"] },
        { id: "Fancy Trick", tags: [] },
      ],
    });
    const before = await registry();
    const p = await client.agents.preview(cardUrl);
    expect(p).toMatchObject({
      name: "sdk-echo",
      nameTaken: false,
      description: "echoes what it is told",
      version: "1.2.3",
      label: "A2A agent (1.0)",
      url: `${a.url}/a2a/jsonrpc`,
      protocolVersion: "1.0",
      capacity: 4,
      transports: [{ url: `${a.url}/a2a/jsonrpc`, binding: "JSONRPC", version: "1.0" }],
      streaming: true,
      pushNotifications: true,
    });
    expect(p.capabilities.sort()).toEqual(["documentation", "x-fancy-trick"]);
    expect(p.skills.map((k) => [k.id, k.tags])).toEqual([
      ["summarise", ["documentation"]],
      ["Fancy Trick", []],
    ]);
    expect(await registry()).toEqual(before);
    expect((await client.agents.list()).map((x) => x.name)).not.toContain("sdk-echo");

    // Registering then creates exactly what the preview showed, and a second preview sees the name taken.
    const made = await client.agents.create({ kind: "a2a", cardUrl });
    expect(made).toMatchObject({ name: p.name, version: p.version, endpoint: p.url, label: p.label });
    expect(made.capabilities.sort()).toEqual(p.capabilities);
    expect((await client.agents.preview(cardUrl)).nameTaken).toBe(true);
    expect((await client.agents.preview(cardUrl, { name: "another", capacity: 9 })).nameTaken).toBe(false);
  });

  test("a card registration would refuse gets the same 4xx, field and message", async () => {
    const { cardUrl } = await sdkAgent({ streaming: false });
    const cases = [
      { kind: "a2a", cardUrl: `${cardUrl}-nope` },
      { kind: "a2a", cardUrl: "http://169.254.169.254/.well-known/agent-card.json" },
      { kind: "a2a", cardUrl: `${s.url}/health/live` }, // JSON, but no card: it has no name
      { kind: "a2a", cardUrl, capabilities: ["Not One"] },
      { kind: "a2a" },
      { kind: "eap", cardUrl },
    ];
    const before = await registry();
    for (const body of cases) {
      const previewed = await post("/api/v1/agents/preview", body);
      const registered = await post("/api/v1/agents", body);
      expect(previewed.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(previewed.status).toBeLessThan(500);
      expect({ status: previewed.status, error: previewed.body.error }).toEqual({
        status: registered.status,
        error: registered.body.error,
      });
    }
    const missing = await post("/api/v1/agents/preview", cases[0]);
    expect(missing.status).toBe(422);
    expect(missing.body.error.details.issues[0].path).toBe("body.cardUrl");
    expect(await registry()).toEqual(before);
  });

  test("an agent that speaks only A2A 0.3 is previewed from its 0.3 card", async () => {
    const { a, cardUrl } = await sdkAgent({ streaming: false, version: "0.3" });
    const p = await client.agents.preview(cardUrl);
    expect(p).toMatchObject({ protocolVersion: "0.3", label: "A2A agent (0.3)", capabilities: ["testing"] });
    expect(p.transports).toContainEqual({ url: `${a.url}/a2a/jsonrpc`, binding: "JSONRPC", version: "0.3" });
  });
});

describe("managing agents through the client", () => {
  test("an admin rotates an EAP agent's token: the old one stops working at once", async () => {
    const reg = await client.agents.register({ name: "rotated", capabilities: ["testing"] });
    const beat = (token: string) =>
      s.api(`/api/v1/agents/external/${reg.agent_id}/heartbeat`, {
        method: "POST",
        key: null,
        headers: { "x-agent-token": token },
        json: { status: "healthy" },
      });
    expect((await beat(reg.auth_token)).status).toBe(200);
    const rotated = await client.agents.rotate(reg.agent_id);
    expect(rotated.agent_id).toBe(reg.agent_id);
    expect(rotated.auth_token).not.toBe(reg.auth_token);
    expect(rotated.signing_secret).not.toBe(reg.signing_secret);
    expect((await beat(reg.auth_token)).status).toBe(401);
    expect((await beat(rotated.auth_token)).status).toBe(200);
    const history = await client.agents.diagnostics(reg.agent_id);
    expect(history.history.map((h) => h.type)).toContain("token_rotated");

    const { key } = await Keys.create(s.deps.db, s.deps.defaultTenant, "member", "member");
    const member = createClient({ url: s.url, key });
    await expect(member.agents.rotate(reg.agent_id)).rejects.toMatchObject({ status: 403 });
    const scripted = (await client.agents.list({ kind: "scripted" }))[0]!;
    await expect(client.agents.rotate(scripted.id)).rejects.toMatchObject({
      status: 403,
      code: "forbidden",
    });
    const err = await client.agents.rotate("00000000-0000-4000-8000-000000000000").catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(404);
  });

  test("get, update, drain, remove, and the capability vocabulary", async () => {
    const reg = await client.agents.register({ name: "managed", capabilities: ["testing"], capacity: 2 });
    const id = reg.agent_id;
    expect(await client.agents.get(id)).toMatchObject({ name: "managed", kind: "eap", capacity: 2 });
    expect(await client.agents.update(id, { capacity: 7, description: "seven" })).toMatchObject({
      capacity: 7,
      description: "seven",
    });
    expect((await client.agents.drain(id)).status).toBe("draining");
    expect((await client.agents.update(id, { status: "online" })).status).toBe("online");
    expect(await client.agents.remove(id, { graceful: false })).toEqual({ status: "deregistered", tasks: 0 });
    await expect(client.agents.get(id)).rejects.toMatchObject({ status: 404 });
    const groups = await client.capabilities.list();
    expect(groups.quality).toContain("code_review");
  });
});

describe("built-in agents", () => {
  test("no tenant's key may drain, change, deregister or rotate one: 403 saying who can", async () => {
    const other = await Tenant.ensure(s.deps.db, "builtin-other");
    const keys = [
      s.key,
      (await Keys.create(s.deps.db, s.deps.defaultTenant, "builtin-member", "member")).key,
      (await Keys.create(s.deps.db, other, "builtin-admin", "admin")).key,
    ];
    const scripted = (await client.agents.list({ kind: "scripted" }))[0]!;
    const before = await client.agents.get(scripted.id);
    const at = `/api/v1/agents/${scripted.id}`;
    for (const key of keys) {
      const tries = [
        await s.api(at, { method: "PATCH", key, json: { status: "draining" } }),
        await s.api(at, { method: "PATCH", key, json: { capacity: 1, description: "mine now" } }),
        await s.api(`${at}?graceful=false`, { method: "DELETE", key }),
        await s.api(`${at}/token/rotate`, { method: "POST", key }),
      ];
      for (const r of tries.slice(0, 3)) {
        expect(r.status).toBe(403);
        expect(r.body.error).toMatchObject({
          code: "forbidden",
          details: { id: scripted.id, builtIn: true },
        });
        expect(r.body.error.message).toMatch(
          /shared by every tenant.*only the server's operator.*configuration/,
        );
      }
      expect(tries[3]!.status).toBe(403); // a member is refused for its role first
    }
    const after = await client.agents.get(scripted.id);
    expect(after).toMatchObject({
      status: before.status,
      capacity: before.capacity,
      description: before.description,
    });
    const history = await client.agents.diagnostics(scripted.id);
    expect(history.history.filter((h) => h.type !== "registered")).toEqual([]);
  });
});
