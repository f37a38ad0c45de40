import { randomUUID } from "node:crypto";
import { SendMessageRequest, type Task, TaskState } from "@a2a-js/sdk";
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
} from "@a2a-js/sdk/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Agent } from "@orchestrator/agent-sdk";
import { type TestServer, serve } from "./harness.ts";

// A2A multi-turn with the orchestrator as the server: the official SDK's client carries a conversation
// with a task whose agent (an EAP agent built with our agent SDK) asks a question, then takes follow-ups.
let s: TestServer;
let client: Client;
const stops: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  s = await serve({ config: { agents: { heartbeatIntervalMs: 300, heartbeatTtlMs: 3000, ackMs: 3000 } } });
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("x-api-key", s.key);
    return fetch(input, { ...init, headers });
  };
  client = await new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
    }),
  ).createFromUrl(s.url);
  const agent = new Agent({
    url: s.url,
    apiKey: s.key,
    name: "a2a-turns",
    capabilities: ["x-a2a-turns"],
    log: () => {},
  }).handle(async (task, ctx) => {
    const last = task.messages.at(-1);
    if (last) return `again: ${last.text}`;
    return `chose ${await ctx.ask("Which database?")}`;
  });
  stops.push(() => agent.stop({ drain: false }));
  await agent.start();
}, 60_000);
afterAll(async () => {
  for (const stop of stops.reverse()) await stop().catch(() => {});
  await s?.stop();
});

const message = (text: string, more: Record<string, unknown> = {}) =>
  SendMessageRequest.fromJSON({
    message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text }], ...more },
  });
const first = (text: string) =>
  message(text, { metadata: { orchestrator: { capabilities: ["x-a2a-turns"] } } });
const textOf = (parts: { content?: { $case: string; value: unknown } }[] = []) =>
  parts
    .map((p) => (p.content?.$case === "text" ? p.content.value : JSON.stringify(p.content?.value)))
    .join("");
const result = (t: Task) => textOf(t.artifacts.find((a) => a.name === "result")?.parts);

describe("A2A multi-turn, the orchestrator as the server", () => {
  test("input-required with the question, the answer completes the task, a follow-up opens a new round", async () => {
    const t = (await client.sendMessage(first("set up the database"))) as Task;
    expect(t.status?.state).toBe(TaskState.TASK_STATE_INPUT_REQUIRED);
    expect(textOf(t.status?.message?.parts)).toBe("Which database?");
    const got = await client.getTask({ tenant: "", id: t.id, historyLength: undefined });
    expect(textOf(got.status?.message?.parts)).toBe("Which database?");

    const wrong = await client.sendMessage(message("SQLite", { taskId: t.id, contextId: "another" })).then(
      () => null,
      (e: { envelopeCode?: number; message: string }) => e,
    );
    expect(wrong?.envelopeCode).toBe(-32602);
    expect(wrong?.message).toContain("params.message.contextId");

    const done = (await client.sendMessage(
      message("SQLite", { taskId: t.id, contextId: t.contextId }),
    )) as Task;
    expect(done.id).toBe(t.id);
    expect(done.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result(done)).toBe("chose SQLite");
    const approvals = (await s.api(`/api/v1/sessions/${t.id}/approvals`)).body.items;
    expect(approvals[0]).toMatchObject({
      status: "answered",
      answer: { answers: [["SQLite"]] },
      answeredBy: "a2a",
    });

    const more = (await client.sendMessage(message("now add an index", { taskId: t.id }))) as Task;
    expect(more.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(result(more)).toBe("again: now add an index");
    const session = (await s.api(`/api/v1/sessions/${t.id}`)).body;
    expect(session).toMatchObject({ status: "completed", retries: 1 });
  }, 40_000);

  test("streaming: the stream ends at input-required; the answer's stream carries the rest to completion", async () => {
    const states: string[] = [];
    let id = "";
    let question = "";
    for await (const ev of client.sendMessageStream(first("pick for me"))) {
      const p = ev.payload!;
      if (p.$case === "task") id = p.value.id;
      if (p.$case === "statusUpdate") {
        states.push(TaskState[p.value.status!.state]);
        question = textOf(p.value.status?.message?.parts) || question;
      }
    }
    expect(states.at(-1)).toBe("TASK_STATE_INPUT_REQUIRED");
    expect(question).toBe("Which database?");
    const after: string[] = [];
    let answer = "";
    for await (const ev of client.sendMessageStream(message("PostgreSQL", { taskId: id }))) {
      const p = ev.payload!;
      if (p.$case === "statusUpdate") after.push(TaskState[p.value.status!.state]);
      if (p.$case === "artifactUpdate" && p.value.artifact?.name === "result")
        answer = textOf(p.value.artifact.parts);
    }
    expect(after).toContain("TASK_STATE_WORKING");
    expect(after.at(-1)).toBe("TASK_STATE_COMPLETED");
    expect(answer).toBe("chose PostgreSQL");
  }, 40_000);

  test("a next turn for an unknown task is TaskNotFound", async () => {
    const e = await client.sendMessage(message("hello", { taskId: randomUUID() })).then(
      () => null,
      (err: { envelopeCode?: number }) => err,
    );
    expect(e?.envelopeCode).toBe(-32001);
  });
});
