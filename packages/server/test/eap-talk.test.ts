import { randomUUID } from "node:crypto";
import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { FakeAgent } from "./eap-agent.ts";
import { type Client, connect, fails, md, unary } from "./grpc-client.ts";
import { type TestServer, create, serve, settle } from "./harness.ts";

// The EAP conversation on the wire, without the agent SDK: the question event, the inbox long-poll and
// their refusals, over REST and over gRPC.
let s: TestServer;
let client: Client;
const agents: FakeAgent[] = [];
beforeAll(async () => {
  s = await serve({ config: { agents: { heartbeatIntervalMs: 200, heartbeatTtlMs: 3000, ackMs: 3000 } } });
  client = connect(s.grpc!);
});
afterAll(async () => {
  for (const a of agents) a.stop();
  client?.close();
  await s?.stop();
});
const call = unary(() => client);

/** A pull agent holding a fresh session of its own capability. */
async function holding(name: string) {
  const a = new FakeAgent(s, name);
  agents.push(a);
  await a.register({ capabilities: [`x-${name}`] });
  a.beat();
  const m = await create(s, { prompt: "talk", capabilities: [`x-${name}`] });
  const next = await a.call("/tasks/next?wait=5");
  expect(next.body.task_id).toBe(m.id);
  expect(next.body.messages).toEqual([]);
  return { a, id: m.id as string, attempt: next.body.attempt as number };
}

describe("EAP conversation over REST", () => {
  test("a question event waits in the attention queue; the inbox gives its answer and the session runs again", async () => {
    const { a, id, attempt } = await holding("talk-rest");
    const inbox = (json: unknown) => a.call(`/tasks/${id}/inbox`, { method: "POST", json });
    const bad = await a.call(`/tasks/${id}/events`, {
      method: "POST",
      json: { attempt, events: [{ type: "question", id: "q1", question: "" }] },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.issues.map((i: any) => i.path)).toEqual([
      "body.events.0.id",
      "body.events.0.question",
    ]);
    const badInbox = await inbox({ attempt, wait: 100, ack: ["nope"] });
    expect(badInbox.status).toBe(422);
    expect(badInbox.body.error.details.issues.map((i: any) => i.path)).toEqual(["body.wait", "body.ack.0"]);
    expect((await inbox({ attempt: attempt + 1, wait: 0 })).status).toBe(409);

    const q = randomUUID();
    const ask = {
      type: "question",
      id: q,
      question: "Which port?",
      options: [{ label: "80" }, { label: "443" }],
    };
    for (let i = 0; i < 2; i++) {
      const sent = await a.call(`/tasks/${id}/events`, { method: "POST", json: { attempt, events: [ask] } });
      expect(sent.status).toBe(202);
    }
    const pending = (await s.api(`/api/v1/sessions/${id}/approvals?status=pending`)).body.items;
    expect(pending).toHaveLength(1); // asked twice under one id: one question
    expect(pending[0].request).toMatchObject({ title: "Which port?", callId: q });
    expect((await s.api(`/api/v1/sessions/${id}`)).body.status).toBe("waiting");
    expect((await inbox({ attempt, wait: 0, questions: [q] })).body).toEqual({ messages: [], answers: [] });

    // A long-poll that waits on the question hears the answer as it is given.
    const polled = inbox({ attempt, wait: 20, questions: [q] });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    await s.api(`/api/v1/approvals/${pending[0].id}`, { method: "POST", json: { answers: [["443"]] } });
    const got = await polled;
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(got.body).toEqual({
      messages: [],
      answers: [{ id: q, status: "answered", answers: ["443"], rejected: false, message: null }],
    });
    expect((await s.api(`/api/v1/sessions/${id}`)).body.status).toBe("running");

    const said = await s.api(`/api/v1/sessions/${id}/messages`, { method: "POST", json: { text: "hurry" } });
    const first = await inbox({ attempt, wait: 5 });
    expect(first.body.messages).toMatchObject([
      { id: said.body.message.id, text: "hurry", author: said.body.message.author },
    ]);
    expect((await inbox({ attempt, wait: 0 })).body.messages).toHaveLength(1); // not acked: offered again
    expect((await inbox({ attempt, wait: 0, ack: [said.body.message.id] })).body.messages).toEqual([]);
    const kept = (await s.api(`/api/v1/sessions/${id}/messages`)).body.items;
    expect(kept[0].deliveredAt).not.toBeNull();
    const done = await a.call(`/tasks/${id}/result`, {
      method: "POST",
      json: { attempt, status: "completed", output_data: "443" },
    });
    expect(done.status).toBe(200);
    expect((await settle(s, id, ["completed"])).result.output).toBe("443");
  }, 40_000);
});

describe("EAP conversation over gRPC", () => {
  test("a question event and the Inbox call: the answer, a rejection, and refusals naming the field", async () => {
    const reg = await call(
      "Register",
      { name: "talk-grpc", capabilities: ["x-talk-grpc"], capacity: 2 },
      md({ authorization: `Bearer ${s.key}` }),
    );
    const meta = md({ "x-agent-id": reg.agent_id, "x-agent-token": reg.auth_token });
    const m = await create(s, { prompt: "talk", capabilities: ["x-talk-grpc"] });
    const { assignment } = await call("Next", { wait_seconds: 5 }, meta);
    expect(assignment.task_id).toBe(m.id);
    const task = { task_id: m.id, attempt: assignment.attempt };
    const q = randomUUID();
    await call("ReportEvents", { ...task, events: [{ question: { id: q, question: "Ship it?" } }] }, meta);
    const bad = await fails(call("Inbox", { ...task, wait_seconds: 99 }, meta));
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.details).toContain("inbox.wait");
    const [approval] = (await s.api(`/api/v1/sessions/${m.id}/approvals?status=pending`)).body.items;
    expect(approval.request.questions[0].question).toBe("Ship it?");
    const polled = call("Inbox", { ...task, wait_seconds: 20, questions: [q] }, meta);
    await new Promise((r) => setTimeout(r, 300));
    await s.api(`/api/v1/approvals/${approval.id}`, {
      method: "POST",
      json: { reply: "reject", message: "not on a Friday" },
    });
    const got = await polled;
    expect(got.answers).toMatchObject([
      { id: q, status: "answered", rejected: true, message: "not on a Friday" },
    ]);
    expect((await s.api(`/api/v1/sessions/${m.id}`)).body.status).toBe("running");
    const stale = await fails(call("Inbox", { task_id: m.id, attempt: 9, wait_seconds: 0 }, meta));
    expect(stale.code).toBe(grpc.status.ABORTED);
  }, 40_000);
});
