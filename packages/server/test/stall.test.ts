import { afterAll, beforeAll, expect, test } from "vitest";
import { type TestServer, create, events, serve, settle } from "./harness.ts";

let s: TestServer;
beforeAll(async () => {
  s = await serve({ engine: { stallMs: 400 } });
});
afterAll(() => s?.stop());

const statuses = (evs: any[]) => evs.filter((e) => e.type === "session.status").map((e) => e.data.to);

test("an agent that goes silent is stopped and retried, then fails as stalled", async () => {
  const { id } = await create(s, { prompt: "emit 1\nhang", maxAttempts: 2 });
  const done = await settle(s, id, ["failed"], 10_000);
  expect(done).toMatchObject({ attempt: 2, error: { code: "stalled", retryable: true } });
  expect(statuses(await events(s, id))).toEqual(["running", "queued", "running", "failed"]);
});

test("an agent that keeps talking is not a stall, however long it runs", async () => {
  const { id } = await create(s, {
    prompt: "emit 1\nsleep 250\nemit 1\nsleep 250\nemit 1\nsleep 250\nsucceed",
  });
  const done = await settle(s, id, ["completed", "failed"], 10_000);
  expect(done.status).toBe("completed");
  expect(done.attempt).toBe(1);
});
