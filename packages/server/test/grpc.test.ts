import * as grpc from "@grpc/grpc-js";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, create, events, serve, settle, until } from "./harness.ts";
import { type Client, connect, fails, md, unary } from "./grpc-client.ts";

let s: TestServer;
let client: Client;
const closers: (() => void)[] = [];
beforeAll(async () => {
  s = await serve({
    config: { agents: { heartbeatIntervalMs: 200, heartbeatTtlMs: 1500, ackMs: 1500 } },
  });
  client = connect(s.grpc!);
});
afterAll(async () => {
  for (const c of closers) c();
  client?.close();
  await s?.stop();
});

const call = unary(() => client);

async function register(name: string, extra: Record<string, unknown> = {}) {
  const r = await call(
    "Register",
    { name, capabilities: ["x-grpc"], capacity: 2, ...extra },
    md({ authorization: `Bearer ${s.key}` }),
  );
  return { ...r, meta: md({ "x-agent-id": r.agent_id, "x-agent-token": r.auth_token }) };
}

describe("EAP over gRPC", () => {
  test("registration and heartbeats: API key, token, and bad input get the proper status, naming the field", async () => {
    const noKey = await fails(call("Register", { name: "g-0", capabilities: ["x-grpc"] }, md({})));
    expect(noKey.code).toBe(grpc.status.UNAUTHENTICATED);
    const badCap = await fails(
      call(
        "Register",
        { name: "g-0", capabilities: ["x-grpc", "python expert"] },
        md({ authorization: `Bearer ${s.key}` }),
      ),
    );
    expect(badCap).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, errorCode: "validation_failed" });
    expect(badCap.details).toContain("register.capabilities.1");
    const a = await register("g-1");
    expect(a.auth_token).toMatch(/^eat_/);
    const dup = await fails(
      call("Register", { name: "g-1", capabilities: ["x-grpc"] }, md({ authorization: `Bearer ${s.key}` })),
    );
    expect(dup.code).toBe(grpc.status.ALREADY_EXISTS);
    const wrong = await fails(
      call("Heartbeat", { status: "healthy" }, md({ "x-agent-id": a.agent_id, "x-agent-token": "eat_nope" })),
    );
    expect(wrong.code).toBe(grpc.status.UNAUTHENTICATED);
    const bad = await fails(call("Heartbeat", { status: "sleepy", current_load: 3 }, a.meta));
    expect(bad.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(bad.details).toContain("heartbeat.status");
    expect(bad.details).toContain("heartbeat.current_load");
    const ok = await call("Heartbeat", { status: "healthy" }, a.meta);
    expect(ok).toMatchObject({ agent_status: "online", heartbeat_ttl_seconds: 1.5 });
    expect((await s.api(`/api/v1/agents/${a.agent_id}`)).body).toMatchObject({ name: "g-1", kind: "eap" });
    const rotated = await call("RotateToken", {}, a.meta);
    expect((await fails(call("Heartbeat", { status: "healthy" }, a.meta))).code).toBe(
      grpc.status.UNAUTHENTICATED,
    );
    const meta = md({ "x-agent-id": a.agent_id, "x-agent-token": rotated.auth_token });
    expect(await call("Deregister", { graceful: false }, meta)).toMatchObject({ status: "deregistered" });
  });

  test("a NUL in any string of a message, nested ones too, is INVALID_ARGUMENT naming the field", async () => {
    const auth = md({ authorization: `Bearer ${s.key}` });
    const desc = await fails(
      call("Register", { name: "g-nul", capabilities: ["x-grpc"], description: "a\u0000b" }, auth),
    );
    expect(desc).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, errorCode: "validation_failed" });
    expect(desc.details).toContain("register.description");
    const a = await register("g-nul-2");
    const metrics = { fields: { note: { stringValue: "x\u0000y" } } };
    const nested = await fails(call("Heartbeat", { status: "healthy", metrics }, a.meta));
    expect(nested.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(nested.details).toContain("heartbeat.metrics.note");
    // An agent id of a uuid's shape that PostgreSQL still refuses: the caller's mistake, not INTERNAL.
    const dashes = md({ "x-agent-id": "-".repeat(36), "x-agent-token": "eat_x" });
    const odd = await fails(call("Heartbeat", { status: "healthy" }, dashes));
    expect(odd.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  test("unary pull: Next, ReportEvents, ReportResult; a duplicate is a no-op, a stale attempt is ABORTED", async () => {
    const a = await register("g-pull", { capabilities: ["x-grpc-pull"] });
    // Alive while the test runs (the TTL here is 1.5 s), however slow the machine.
    const beat = setInterval(
      () => void call("Heartbeat", { status: "healthy" }, a.meta).catch(() => {}),
      300,
    );
    closers.push(() => clearInterval(beat));
    const m = await create(s, { prompt: "over grpc", capabilities: ["x-grpc-pull"], metadata: { n: 1 } });
    const next = await call("Next", { wait_seconds: 5 }, a.meta);
    const t = next.assignment;
    expect(t.credential).toMatch(/^ios_/); // the session credential, over gRPC too
    expect(
      (await s.api(`/api/v1/contexts?scope=session&ownerId=${m.id}`, { key: t.credential })).status,
    ).toBe(200);
    expect(t).toMatchObject({
      task_id: m.id,
      attempt: 1,
      input_data: "over grpc",
      requirements: ["x-grpc-pull"],
    });
    expect(t.context.metadata.fields.n.numberValue).toBe(1);
    const ev = await call(
      "ReportEvents",
      {
        task_id: t.task_id,
        attempt: 1,
        events: [
          { message: { text: "working" } },
          { checkpoint: { data: { structValue: { fields: { step: { numberValue: 2 } } } } } },
          { usage: { input: 10, output: 5, cost: 0.01 } },
        ],
      },
      a.meta,
    );
    expect(ev.accepted).toBe(3);
    const badEv = await fails(call("ReportEvents", { task_id: t.task_id, attempt: 1, events: [{}] }, a.meta));
    expect(badEv.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(badEv.details).toContain("events.events.0");
    const res = {
      task_id: t.task_id,
      attempt: 1,
      status: "completed",
      output_data: { structValue: { fields: { ok: { boolValue: true } } } },
      artifacts: [{ path: "out.txt", content: "hi" }],
    };
    expect(await call("ReportResult", res, a.meta)).toMatchObject({
      status: "accepted",
      session_status: "completed",
    });
    expect(await call("ReportResult", res, a.meta)).toMatchObject({ status: "duplicate" });
    const late = await fails(
      call(
        "ReportEvents",
        { task_id: t.task_id, attempt: 1, events: [{ message: { text: "late" } }] },
        a.meta,
      ),
    );
    expect(late).toMatchObject({ code: grpc.status.ABORTED, errorCode: "lease_lost" });
    const done = await s.api(`/api/v1/sessions/${m.id}`);
    expect(done.body.result).toMatchObject({ output: { ok: true }, artifacts: { "out.txt": "hi" } });
    expect(done.body.checkpoint.data).toEqual({ step: 2 });
    expect(done.body.usage).toMatchObject({ input: 10, output: 5 });
    expect((await events(s, m.id)).some((e) => e.type === "agent.message" && e.data.text === "working")).toBe(
      true,
    );
    const empty = await call("Next", { wait_seconds: 0 }, a.meta);
    expect(empty.assignment).toBeUndefined();
  });

  test("the Connect stream delivers assignments and cancels, and carries heartbeats, events and results", async () => {
    const a = await register("g-stream", { capabilities: ["x-grpc-stream"], mode: "stream", capacity: 3 });
    const stream = client.Connect(a.meta) as grpc.ClientDuplexStream<any, any>;
    closers.push(() => stream.cancel());
    const got: any[] = [];
    stream.on("data", (m: any) => got.push(m));
    stream.on("error", () => {});
    const assigned = () => got.filter((m) => m.assignment).map((m) => m.assignment);
    let ref = 0;
    const send = async (body: Record<string, unknown>) => {
      const r = ++ref;
      stream.write({ ref: r, ...body });
      return until(async () => got.find((m) => m.ref === r), 5000, `answer to ${r}`);
    };
    const beat = await send({ heartbeat: { status: "healthy" } });
    expect(beat.heartbeat.agent_status).toBe("online");
    const beating = setInterval(
      () =>
        stream.write({
          ref: 0,
          heartbeat: { status: "healthy", task_ids: assigned().map((x) => x.task_id) },
        }),
      300,
    );
    closers.push(() => clearInterval(beating));
    const [one, two] = [
      await create(s, { prompt: "first", capabilities: ["x-grpc-stream"] }),
      await create(s, { prompt: "second", capabilities: ["x-grpc-stream"] }),
    ];
    await until(async () => assigned().length === 2, 5000, "two assignments");
    const first = assigned().find((x) => x.task_id === one.id);
    const ev = await send({
      events: { task_id: one.id, attempt: first.attempt, events: [{ message: { text: "hi" } }] },
    });
    expect(ev.events.accepted).toBe(1);
    const bad = await send({ heartbeat: { status: "sleepy" } });
    expect(bad.error).toMatchObject({ code: grpc.status.INVALID_ARGUMENT, error_code: "validation_failed" });
    expect(bad.error.message).toContain("heartbeat.status");
    const res = await send({
      result: {
        task_id: one.id,
        attempt: first.attempt,
        status: "completed",
        output_data: { stringValue: "done" },
      },
    });
    expect(res.result).toMatchObject({ status: "accepted", session_status: "completed" });
    expect((await settle(s, one.id, ["completed"])).result.output).toBe("done");
    // Cancelling the second reaches the agent on the stream at once.
    expect((await s.api(`/api/v1/sessions/${two.id}/cancel`, { method: "POST", json: {} })).status).toBe(200);
    const cancel = await until(async () => got.find((m) => m.cancel), 5000, "a cancel");
    expect(cancel.cancel.task_ids).toEqual([two.id]);
    const stale = await send({ result: { task_id: two.id, attempt: 1, status: "completed" } });
    expect(stale.error).toMatchObject({ code: grpc.status.ABORTED, error_code: "lease_lost" });
  });

  test("a stream with a wrong token ends UNAUTHENTICATED; a killed stream agent's task moves on", async () => {
    const bad = client.Connect(md({ "x-agent-id": crypto.randomUUID(), "x-agent-token": "eat_nope" }));
    const status = await new Promise<grpc.StatusObject>((r) => {
      bad.on("status", r);
      bad.on("data", () => {});
      bad.on("error", () => {});
    });
    expect(status.code).toBe(grpc.status.UNAUTHENTICATED);

    const dies = await register("g-dies", { capabilities: ["x-grpc-move"], mode: "stream" });
    const stays = await register("g-stays", { capabilities: ["x-grpc-move"] });
    const stream = client.Connect(dies.meta) as grpc.ClientDuplexStream<any, any>;
    const got: any[] = [];
    stream.on("data", (m: any) => got.push(m));
    stream.on("error", () => {});
    stream.write({ ref: 1, heartbeat: { status: "healthy" } });
    const dying = setInterval(() => stream.write({ ref: 0, heartbeat: { status: "healthy" } }), 300);
    closers.push(() => clearInterval(dying));
    // g-stays stays quiet until the other has the task, so routing picks the one with a heartbeat.
    await call("Heartbeat", { status: "offline" }, stays.meta);
    const m = await create(s, { prompt: "move me", capabilities: ["x-grpc-move"] });
    const t = (await until(async () => got.find((x) => x.assignment), 5000, "assignment")).assignment;
    expect(t.task_id).toBe(m.id);
    clearInterval(dying);
    stream.cancel(); // the agent dies: no more heartbeats
    const beat = setInterval(
      () => void call("Heartbeat", { status: "healthy" }, stays.meta).catch(() => {}),
      200,
    );
    closers.push(() => clearInterval(beat));
    const next = await call("Next", { wait_seconds: 10 }, stays.meta);
    expect(next.assignment).toMatchObject({ task_id: m.id, attempt: 2 });
    const late = await fails(
      call("ReportResult", { task_id: m.id, attempt: 1, status: "completed" }, dies.meta),
    );
    expect(late.code).toBe(grpc.status.ABORTED);
  });
});
