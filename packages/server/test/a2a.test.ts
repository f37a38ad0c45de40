import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { SendMessageRequest, Task, TaskState } from "@a2a-js/sdk";
import {
  type Client,
  ClientFactory,
  ClientFactoryOptions,
  DefaultAgentCardResolver,
  JsonRpcTransportFactory,
} from "@a2a-js/sdk/client";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import * as Keys from "../src/auth/key.ts";
import * as Tenant from "../src/tenant/tenant.ts";
import { type TestServer, serve, settle, until } from "./harness.ts";

let s: TestServer;
let client: Client;
let other: Client;
beforeAll(async () => {
  s = await serve({ config: { agents: { allowHosts: ["127.0.0.1"] } } });
  client = await sdkClient(s.key);
  const tenant = await Tenant.ensure(s.deps.db, "a2a-other");
  other = await sdkClient((await Keys.create(s.deps.db, tenant, "other", "admin")).key);
});
afterAll(async () => {
  await s?.stop();
});

/** The official SDK's client, authenticating with an API key on every request (the card included). */
async function sdkClient(key: string): Promise<Client> {
  const fetchImpl: typeof fetch = (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("x-api-key", key);
    return fetch(input, { ...init, headers });
  };
  const factory = new ClientFactory(
    ClientFactoryOptions.createFrom(ClientFactoryOptions.default, {
      transports: [new JsonRpcTransportFactory({ fetchImpl })],
      cardResolver: new DefaultAgentCardResolver({ fetchImpl }),
    }),
  );
  return factory.createFromUrl(s.url);
}

const message = (text: string, orchestrator?: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  SendMessageRequest.fromJSON({
    message: {
      messageId: randomUUID(),
      role: "ROLE_USER",
      parts: [{ text }],
      ...(orchestrator ? { metadata: { orchestrator } } : {}),
    },
    ...extra,
  });
const code = async (p: Promise<unknown>) => {
  const err = (await p.then(
    () => null,
    (e) => e,
  )) as { envelopeCode?: number; message: string } | null;
  if (!err) throw new Error("expected an A2A error");
  return { code: err.envelopeCode, message: err.message };
};
const textOf = (parts: { content?: { $case: string; value: unknown } }[]) =>
  parts
    .map((p) => (p.content?.$case === "text" ? p.content.value : JSON.stringify(p.content?.value)))
    .join("");

describe("A2A server, driven by the official @a2a-js/sdk client", () => {
  test("the Agent Card is published and negotiated as 1.0", async () => {
    const card = await client.getAgentCard();
    expect(card.name).toBe("Industrial Orchestrator");
    expect(card.capabilities?.streaming).toBe(true);
    expect(card.supportedInterfaces[0]).toMatchObject({ url: `${s.url}/api/v1/a2a`, protocolVersion: "1.0" });
    expect(card.skills.map((k) => k.id)).toContain("session");
    const legacy = await (await fetch(`${s.url}/.well-known/agent-card.json`)).json();
    expect(legacy).toMatchObject({ protocolVersion: "0.3", url: `${s.url}/api/v1/a2a` });
  });

  test("SendMessage runs a session to its end and returns the task with its result", async () => {
    const t = (await client.sendMessage(message("emit 2 working\nsucceed all done"))) as Task;
    expect(t.status?.state).toBe(TaskState.TASK_STATE_COMPLETED);
    expect(textOf(t.artifacts.find((a) => a.name === "result")!.parts)).toBe("all done");
    const session = (await s.api(`/api/v1/sessions/${t.id}`)).body;
    expect(session).toMatchObject({ status: "completed", prompt: "emit 2 working\nsucceed all done" });
    expect(session.metadata.a2a.contextId).toBe(t.contextId);
    const got = await client.getTask({ tenant: "", id: t.id, historyLength: undefined });
    expect(Task.toJSON(got)).toMatchObject({ id: t.id, status: { state: "TASK_STATE_COMPLETED" } });
  });

  test("SendStreamingMessage streams the task, progress, artifacts and the final status", async () => {
    const seen: string[] = [];
    const texts: string[] = [];
    let id = "";
    for await (const ev of client.sendMessageStream(
      message("emit 2 step\nartifact notes.txt hello\nsucceed fin"),
    )) {
      const p = ev.payload!;
      seen.push(p.$case === "statusUpdate" ? `status:${TaskState[p.value.status!.state]}` : p.$case);
      if (p.$case === "task") id = p.value.id;
      if (p.$case === "statusUpdate" && p.value.status?.message)
        texts.push(textOf(p.value.status.message.parts));
      if (p.$case === "artifactUpdate")
        texts.push(`${p.value.artifact?.name}=${textOf(p.value.artifact!.parts)}`);
    }
    expect(seen[0]).toBe("task");
    expect(seen.at(-1)).toBe("status:TASK_STATE_COMPLETED");
    expect(texts).toEqual(expect.arrayContaining(["step 1/2", "step 2/2", "notes.txt=hello", "result=fin"]));
    expect((await s.api(`/api/v1/sessions/${id}`)).body.status).toBe("completed");
  });

  test("routing options ride in metadata.orchestrator; bad ones are -32602 naming the field", async () => {
    const bad = await code(client.sendMessage(message("x", { capabilities: ["python expert"] })));
    expect(bad.code).toBe(-32602);
    expect(bad.message).toContain("params.message.metadata.orchestrator.capabilities.0");
    const pinned = await code(client.sendMessage(message("x", { agent: "nobody-by-this-name" })));
    expect(pinned.code).toBe(-32602);
    const t = (await client.sendMessage(
      message("succeed pinned", { agent: "scripted", priority: "high" }),
    )) as Task;
    expect((await s.api(`/api/v1/sessions/${t.id}`)).body).toMatchObject({
      priority: "high",
      status: "completed",
    });
  });

  test("non-blocking send, ListTasks by context, CancelTask, and the errors for unknown or finished tasks", async () => {
    const contextId = randomUUID();
    const hang = SendMessageRequest.fromJSON({
      message: { messageId: randomUUID(), role: "ROLE_USER", parts: [{ text: "hang" }], contextId },
      configuration: { returnImmediately: true },
    });
    const t = (await client.sendMessage(hang)) as Task;
    expect(t.status?.state).toBe(TaskState.TASK_STATE_SUBMITTED);
    await settle(s, t.id, ["running"]);
    const listed = await client.listTasks({
      tenant: "",
      contextId,
      status: 0,
      pageToken: "",
      includeArtifacts: false,
    } as never);
    expect(listed.tasks.map((x) => x.id)).toEqual([t.id]);
    expect(TaskState[listed.tasks[0]!.status!.state]).toBe("TASK_STATE_WORKING");
    const cancelled = await client.cancelTask({ tenant: "", id: t.id, metadata: undefined });
    expect(cancelled.status?.state).toBe(TaskState.TASK_STATE_CANCELED);
    expect((await code(client.cancelTask({ tenant: "", id: t.id, metadata: undefined }))).code).toBe(-32002);
    expect(
      (await code(client.getTask({ tenant: "", id: randomUUID(), historyLength: undefined }))).code,
    ).toBe(-32001);
    // Another tenant does not see it.
    expect((await code(other.getTask({ tenant: "", id: t.id, historyLength: undefined }))).code).toBe(-32001);
  });

  test("SubscribeToTask follows a running task to its end; a finished one cannot be subscribed to", async () => {
    const t = (await client.sendMessage(
      message("sleep 300\nemit 1 later\nsucceed sub", undefined, {
        configuration: { returnImmediately: true },
      }),
    )) as Task;
    const seen: string[] = [];
    for await (const ev of client.resubscribeTask({ tenant: "", id: t.id })) {
      const p = ev.payload!;
      seen.push(p.$case === "statusUpdate" ? `status:${TaskState[p.value.status!.state]}` : p.$case);
    }
    expect(seen[0]).toBe("task");
    expect(seen).toContain("artifactUpdate");
    expect(seen.at(-1)).toBe("status:TASK_STATE_COMPLETED");
    const again = await code(
      (async () => {
        for await (const _ of client.resubscribeTask({ tenant: "", id: t.id })) void _;
      })(),
    );
    expect(again.code).toBe(-32004);
  });

  test("push notifications: the config is stored and each status change is POSTed with its credentials", async () => {
    const got: { auth?: string; token?: string; body: any }[] = [];
    const hook = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        got.push({
          auth: req.headers.authorization,
          token: req.headers["x-a2a-notification-token"] as string,
          body: JSON.parse(raw),
        });
        res.end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, "127.0.0.1", r));
    try {
      const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
      const t = (await client.sendMessage(
        message("sleep 300\nsucceed pushed", undefined, { configuration: { returnImmediately: true } }),
      )) as Task;
      await client.createTaskPushNotificationConfig({
        tenant: "",
        id: "mine",
        taskId: t.id,
        url,
        token: "tok",
        authentication: { scheme: "Bearer", credentials: "secret" },
      });
      const list = await client.listTaskPushNotificationConfig({
        tenant: "",
        taskId: t.id,
        pageSize: 10,
        pageToken: "",
      });
      expect(list.configs.map((c) => c.id)).toEqual(["mine"]);
      const one = await client.getTaskPushNotificationConfig({ tenant: "", taskId: t.id, id: "mine" });
      expect(one).toMatchObject({ url, token: "tok" });
      await until(
        async () => got.some((g) => g.body.statusUpdate?.status?.state === "TASK_STATE_COMPLETED"),
        10_000,
        "completed push",
      );
      expect(got[0]).toMatchObject({ auth: "Bearer secret", token: "tok" });
      expect(got.map((g) => g.body.statusUpdate.taskId)).toEqual(got.map(() => t.id));
      const ssrf = await code(
        client.createTaskPushNotificationConfig({
          tenant: "",
          id: "x",
          taskId: t.id,
          url: "http://169.254.169.254/",
          token: "",
          authentication: undefined,
        }),
      );
      expect(ssrf.code).toBe(-32602);
      await client.deleteTaskPushNotificationConfig({ tenant: "", taskId: t.id, id: "mine" });
      const none = await client.listTaskPushNotificationConfig({
        tenant: "",
        taskId: t.id,
        pageSize: 10,
        pageToken: "",
      });
      expect(none.configs).toEqual([]);
    } finally {
      hook.close();
    }
  });

  test("the 0.3 path: a plain JSON-RPC client without the version header speaks message/send and tasks/get", async () => {
    const rpc = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(`${s.url}/api/v1/a2a`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${s.key}`, ...headers },
        body: JSON.stringify(body),
      }).then((r) => r.json() as Promise<any>);
    const sent = await rpc({
      jsonrpc: "2.0",
      id: 1,
      method: "message/send",
      params: {
        message: {
          kind: "message",
          messageId: randomUUID(),
          role: "user",
          parts: [{ kind: "text", text: "succeed old" }],
        },
      },
    });
    expect(sent.result).toMatchObject({ kind: "task", status: { state: "completed" } });
    const got = await rpc({ jsonrpc: "2.0", id: 2, method: "tasks/get", params: { id: sent.result.id } });
    expect(got.result.id).toBe(sent.result.id);
    const bad = await rpc(
      { jsonrpc: "2.0", id: 3, method: "SendMessage", params: {} },
      { "a2a-version": "9.9" },
    );
    expect(bad.error.code).toBe(-32009);
    const parse = await fetch(`${s.url}/api/v1/a2a`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${s.key}`, "a2a-version": "1.0" },
      body: "{nope",
    }).then((r) => r.json() as Promise<any>);
    expect(parse.error.code).toBe(-32700);
    // Text the database cannot store, anywhere in the request: a JSON-RPC error naming where it is.
    const nul = await rpc({
      jsonrpc: "2.0",
      id: 4,
      method: "message/send",
      params: {
        message: {
          kind: "message",
          messageId: randomUUID(),
          role: "user",
          parts: [{ kind: "text", text: "succeed a\u0000b" }],
          metadata: { note: "x\ud800" },
        },
      },
    });
    expect(nul).toMatchObject({ id: 4, error: { code: -32602 } });
    expect(nul.error.message).toContain("params.message.parts.0.text");
    const noKey = await fetch(`${s.url}/api/v1/a2a`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(noKey.status).toBe(401);
  });
});
