import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestServer, create, events, serve, settle, until } from "./harness.ts";

// The scripted test agent takes part in conversations too: `hear` waits for a person's message, and a
// new round follows the instructions of the message that opened it.
let s: TestServer;
beforeAll(async () => {
  s = await serve();
});
afterAll(async () => {
  await s?.stop();
});

const say = (id: string, json: Record<string, unknown>) =>
  s.api(`/api/v1/sessions/${id}/messages`, { method: "POST", json });

test("a scripted session hears a message while it runs, and a follow-up's instructions run as a new round", async () => {
  const m = await create(s, { prompt: "emit 1 ready\nhear\nsucceed done", agent: "scripted" });
  await until(
    async () => (await events(s, m.id)).some((e: any) => e.type === "agent.message"),
    10_000,
    "the agent ready",
  );
  const steer = await say(m.id, { text: "stop", steer: true });
  expect(steer.status).toBe(422);
  expect(steer.body.error.details.issues[0].path).toBe("body.steer");
  expect((await say(m.id, { text: "hello" })).status).toBe(202);
  expect((await settle(s, m.id, ["completed", "failed"])).result.text).toBe("done");
  const said = (await events(s, m.id))
    .filter((e: any) => e.type === "agent.message")
    .map((e: any) => e.data.text);
  expect(said).toEqual(["ready 1/1", "heard: hello"]);

  const next = await say(m.id, { text: "emit 1 more\nsucceed again" });
  expect(next.body.newRound).toBe(true);
  const round = await until(
    async () => {
      const r = (await s.api(`/api/v1/sessions/${m.id}`)).body;
      return r.retries === 1 && r.status === "completed" ? r : null;
    },
    10_000,
    "the new round",
  );
  expect(round.result.text).toBe("again");
  const kept = (await s.api(`/api/v1/sessions/${m.id}/messages`)).body.items;
  expect(kept.map((k: any) => Boolean(k.deliveredAt))).toEqual([true, true]);
});
