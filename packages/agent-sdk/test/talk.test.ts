import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Agent, type Message, Unanswered } from "@orchestrator/agent-sdk";
import { type TestServer, create, events, serve, settle, until } from "../../server/test/harness.ts";

// Conversation with an EAP agent built with the SDK: its questions wait for a person, and people's
// follow-ups reach it, over REST (pull) and over gRPC (stream), against a real server on loopback.
let s: TestServer;
const stops: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  s = await serve({ config: { agents: { heartbeatIntervalMs: 300, heartbeatTtlMs: 3000, ackMs: 3000 } } });
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await s?.stop();
});

/** The one pending question of a session, once it is in the attention queue. */
const pendingOf = (id: string) =>
  until(
    async () => (await s.api(`/api/v1/sessions/${id}/approvals?status=pending`)).body.items[0],
    10_000,
    `a pending question of ${id}`,
  );

const answer = (approval: string, json: unknown) =>
  s.api(`/api/v1/approvals/${approval}`, { method: "POST", json });

const say = (id: string, text: string) =>
  s.api(`/api/v1/sessions/${id}/messages`, { method: "POST", json: { text } });

describe.each([
  { mode: "pull" as const, over: "REST" },
  { mode: "stream" as const, over: "gRPC" },
])("an EAP agent over $over", ({ mode }) => {
  const cap = `x-talk-${mode}`;
  const heard: Message[] = [];
  beforeAll(async () => {
    const agent = new Agent({
      url: s.url,
      apiKey: s.key,
      name: `talk-${mode}`,
      capabilities: [cap],
      mode,
      ...(mode === "stream" ? { grpc: s.grpc! } : {}),
      log: () => {},
    }).handle(async (task, ctx) => {
      const last = task.messages.at(-1);
      if (last) return `round ${task.messages.length}: ${last.text}`;
      if (task.input === "ask") {
        const db = await ctx.ask({
          question: "Which database?",
          header: "Database",
          options: [{ label: "PostgreSQL" }, { label: "SQLite" }],
        });
        return `chose ${db}`;
      }
      if (task.input === "decline") {
        try {
          await ctx.ask("Shall I delete the tests?");
          return "asked";
        } catch (err) {
          return `declined: ${err instanceof Unanswered ? err.message : String(err)}`;
        }
      }
      // "listen": wait for a person's message while running, then finish with it.
      const got = new Promise<Message>((r) =>
        ctx.onMessage((m) => {
          heard.push(m);
          r(m);
        }),
      );
      await ctx.message("listening");
      return `heard ${(await got).text}`;
    });
    stops.push(() => agent.stop({ drain: false }));
    await agent.start();
  });

  test("a question waits for a person in the attention queue; the answer reaches the agent, which finishes", async () => {
    const m = await create(s, { prompt: "ask", capabilities: [cap] });
    const q = await pendingOf(m.id);
    expect(q).toMatchObject({ kind: "question", request: { title: "Database" } });
    expect(q.request.questions[0]).toMatchObject({
      question: "Which database?",
      options: [{ label: "PostgreSQL" }, { label: "SQLite" }],
    });
    expect((await s.api(`/api/v1/sessions/${m.id}`)).body.status).toBe("waiting");
    const attention = (await s.api(`/api/v1/attention`)).body;
    expect(JSON.stringify(attention)).toContain(q.id);
    expect((await answer(q.id, { answers: [["SQLite"]] })).status).toBe(200);
    const done = await settle(s, m.id, ["completed", "failed"], 15_000);
    expect(done.result.output).toBe("chose SQLite");
    const log = await events(s, m.id);
    const moves = log.filter((e: any) => e.type === "session.status").map((e: any) => e.data.to);
    expect(moves).toEqual(expect.arrayContaining(["running", "waiting", "completed"]));
    expect(moves.indexOf("waiting")).toBeLessThan(moves.lastIndexOf("running"));
  }, 30_000);

  test("a rejected question reaches the agent as Unanswered, with the person's words", async () => {
    const m = await create(s, { prompt: "decline", capabilities: [cap] });
    const q = await pendingOf(m.id);
    await answer(q.id, { reply: "reject", message: "keep them" });
    const done = await settle(s, m.id, ["completed", "failed"], 15_000);
    expect(done.result.output).toBe("declined: keep them");
  }, 30_000);

  test("a message while it runs reaches the agent's listener; one after it ended opens a new round", async () => {
    const m = await create(s, { prompt: "listen", capabilities: [cap] });
    await until(
      async () => (await events(s, m.id)).some((e: any) => e.type === "agent.message"),
      10_000,
      "the agent listening",
    );
    const sent = await say(m.id, "use the helper");
    expect(sent.status).toBe(202);
    expect(sent.body.newRound).toBe(false);
    const done = await settle(s, m.id, ["completed", "failed"], 15_000);
    expect(done.result.output).toBe("heard use the helper");
    expect(heard.map((h) => h.text)).toContain("use the helper");
    const delivered = (await s.api(`/api/v1/sessions/${m.id}/messages`)).body.items;
    expect(delivered[0].deliveredAt).not.toBeNull();

    const again = await say(m.id, "now add a test");
    expect(again.status).toBe(202);
    expect(again.body.newRound).toBe(true);
    const round = await until(
      async () => {
        const r = (await s.api(`/api/v1/sessions/${m.id}`)).body;
        return r.status === "completed" && r.retries === 1 ? r : null;
      },
      15_000,
      "the new round to complete",
    );
    expect(round.result.output).toBe("round 1: now add a test");
  }, 40_000);
});

test("steering is refused for an EAP session by field; a plain message is taken", async () => {
  const m = await create(s, { prompt: "ask", capabilities: ["x-talk-pull"] });
  await pendingOf(m.id);
  const steer = await s.api(`/api/v1/sessions/${m.id}/messages`, {
    method: "POST",
    json: { text: "stop", steer: true },
  });
  expect(steer.status).toBe(422);
  expect(steer.body.error.details.issues[0].path).toBe("body.steer");
  const q = await pendingOf(m.id);
  await answer(q.id, { answers: [["PostgreSQL"]] });
  expect((await settle(s, m.id, ["completed"], 15_000)).result.output).toBe("chose PostgreSQL");
}, 30_000);
