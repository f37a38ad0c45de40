import * as grpc from "@grpc/grpc-js";
import { Eap, Pb } from "@orchestrator/sdk";
import type { App, Deps } from "../../../api/deps.ts";
import { verify } from "../../../auth/key.ts";
import { AppError } from "../../../error.ts";
import * as Registry from "../../../registry/store.ts";
import { agentOf, first, parse, toStatus } from "./call.ts";
import * as Life from "../../../registry/life.ts";
import type { Register } from "../ops.ts";
import * as Tasks from "../tasks.ts";
import type { Waiters } from "../waiters.ts";
import { connect } from "./stream.ts";
import * as Wire from "./wire.ts";
import * as Work from "./work.ts";

type Msg = Record<string, unknown>;
type Handler = (req: Msg, call: grpc.ServerUnaryCall<Msg, Msg>) => Promise<unknown>;

/**
 * EAP v1 over gRPC (proto/eap.proto): the same operations, auth and validation as REST, plus the `Connect`
 * stream for agents that cannot be reached (behind NAT) and would rather not poll.
 */
export async function start(
  deps: Deps,
  app: App,
  waiters: Waiters,
  register: Register,
  port: number,
): Promise<{ address: string; stop: () => Promise<void> }> {
  const server = new grpc.Server({ "grpc.max_receive_message_length": 8 * 2 ** 20 });
  const unary =
    (fn: Handler): grpc.handleUnaryCall<Msg, Msg> =>
    (call, done) =>
      void fn(call.request, call)
        .then(
          (res) => done(null, res as Msg),
          (err) => done(toStatus(err, deps)),
        )
        .catch((err) => deps.log.error({ err }, "EAP call could not be answered"));
  const store = deps.store;
  const now = () => deps.clock.now();

  server.addService(Wire.service(), {
    Register: unary(async (req, call) => {
      const tenantId = await tenantOf(deps, call.metadata);
      return register(tenantId, parse(Eap.Register, "register", Pb.register(req)));
    }),
    Heartbeat: unary(async (req, call) => {
      const a = await agentOf(deps, call.metadata);
      return Life.heartbeat(deps.db, a, parse(Eap.Heartbeat, "heartbeat", Pb.heartbeat(req)), now());
    }),
    Deregister: unary(async (req, call) => {
      const a = await agentOf(deps, call.metadata);
      const d = parse(Eap.Deregister, "deregister", Pb.deregister(req));
      return Life.deregister(store, a, d.graceful, d.reason ?? null);
    }),
    RotateToken: unary(async (_req, call) => {
      const a = await agentOf(deps, call.metadata);
      const { token, secret } = await Registry.rotate(deps.db, a, now());
      return { agent_id: a.id, auth_token: token, signing_secret: secret };
    }),
    Next: unary(async (req, call) => {
      const a = await agentOf(deps, call.metadata);
      const wait = typeof req.wait_seconds === "number" ? req.wait_seconds : 25;
      if (!(wait >= 0 && wait <= 60))
        throw new AppError("validation_failed", "next.wait_seconds: between 0 and 60", {
          issues: [{ path: "next.wait_seconds", message: "between 0 and 60" }],
        });
      const ctrl = new AbortController();
      call.once("cancelled", () => ctrl.abort());
      const row = await waiters.next(a, Math.min(wait * 1000, deps.config.agents.maxPollMs), ctrl.signal);
      return row ? { assignment: Pb.assignment(await Tasks.offer(deps.db, row, deps.clock.now())) } : {};
    }),
    ReportEvents: unary(async (req, call) => {
      const a = await agentOf(deps, call.metadata);
      const body = parse(Eap.Events, "events", Pb.events(req));
      return { accepted: await Tasks.events(store, a, String(req.task_id ?? ""), body) };
    }),
    Inbox: unary(async (req, call) => {
      const a = await agentOf(deps, call.metadata);
      const { task_id, wait_seconds, ...rest } = Pb.plain(req);
      const body = parse(Eap.Inbox, "inbox", {
        ...rest,
        ...(wait_seconds === undefined ? {} : { wait: wait_seconds }),
      });
      body.wait = Math.min(body.wait, deps.config.agents.maxPollMs / 1000);
      const ctrl = new AbortController();
      call.once("cancelled", () => ctrl.abort());
      const out = await Tasks.inbox(store, waiters, a, String(task_id ?? ""), body, ctrl.signal);
      return { ...out, answers: out.answers.map((x) => ({ ...x, message: x.message ?? "" })) };
    }),
    ReportResult: unary(async (req, call) => {
      const a = await agentOf(deps, call.metadata);
      const body = parse(Eap.Result, "result", Pb.result(req));
      const out = await Tasks.result(store, a, String(req.task_id ?? ""), body);
      return { status: out.status, session_status: out.row.status };
    }),
    Connect: (call: grpc.ServerDuplexStream<Msg, Msg>) => connect(deps, waiters, call),
    ...Object.fromEntries(
      Object.entries(Work.handlers(deps, app)).map(([name, fn]) => [
        name,
        unary((req, call) => fn(req, call.metadata)),
      ]),
    ),
  });

  const host = deps.config.host.includes(":") ? `[${deps.config.host}]` : deps.config.host;
  const bound = await new Promise<number>((resolve, reject) =>
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    address: `${host}:${bound}`,
    stop: () =>
      new Promise<void>((resolve) => {
        // Streams stay open until their agents go; give calls a moment, then cut them.
        const cut = setTimeout(() => server.forceShutdown(), 1000);
        server.tryShutdown(() => {
          clearTimeout(cut);
          resolve();
        });
      }),
  };
}

/** Registration authenticates with an API key, as REST does: the agent joins that key's tenant. */
async function tenantOf(deps: Deps, md: grpc.Metadata): Promise<string> {
  if (deps.config.devNoAuth) return deps.defaultTenant;
  const key = first(md, "authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (!key)
    throw new AppError("unauthorized", "an API key is required: metadata authorization: Bearer <key>");
  const p = await verify(deps.db, key.trim(), deps.clock.now());
  if (!p) throw new AppError("unauthorized", "the API key is not valid or has been revoked");
  if (p.role === "viewer") throw new AppError("forbidden", "this key is read-only (role viewer)");
  return p.tenantId;
}
