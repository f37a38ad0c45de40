import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as loader from "@grpc/proto-loader";
import { ApiError, type Eap, Pb } from "@orchestrator/sdk";
import type { Start } from "./agent.ts";
import { backoff, sleep } from "./backoff.ts";
import type { Link } from "./task.ts";

const protoPath = fileURLToPath(new URL("../../../proto/eap.proto", import.meta.url));
type Msg = Record<string, unknown>;
interface Client extends grpc.Client {
  Connect(md: grpc.Metadata): grpc.ClientDuplexStream<Msg, Msg>;
  Deregister(req: Msg, md: grpc.Metadata, cb: (err: grpc.ServiceError | null, res: Msg) => void): void;
  Inbox(
    req: Msg,
    md: grpc.Metadata,
    cb: (err: grpc.ServiceError | null, res: Msg) => void,
  ): grpc.ClientUnaryCall;
}
interface Package {
  eap: { v1: { ExternalAgent: new (address: string, creds: grpc.ChannelCredentials) => Client } };
}

// gRPC codes as the HTTP statuses the rest of the SDK reasons with (409 = the task is not ours any more).
const http: Record<number, number> = {
  [grpc.status.INVALID_ARGUMENT]: 422,
  [grpc.status.UNAUTHENTICATED]: 401,
  [grpc.status.PERMISSION_DENIED]: 403,
  [grpc.status.NOT_FOUND]: 404,
  [grpc.status.ALREADY_EXISTS]: 409,
  [grpc.status.ABORTED]: 409,
  [grpc.status.RESOURCE_EXHAUSTED]: 429,
  [grpc.status.UNAVAILABLE]: 503,
};
/** The server's own error code, from the `x-error-code` trailer; transport failures are "unreachable". */
const errorCode = (err: grpc.ServiceError) => {
  const c = err.metadata?.get("x-error-code")[0];
  return typeof c === "string" ? c : err.code === grpc.status.UNAVAILABLE ? "unreachable" : "grpc";
};
const toApiError = (code: number, errorCode: string, message: string) =>
  new ApiError(http[code] ?? 500, errorCode, message);

/**
 * Stream mode: one `Connect` stream to the orchestrator's gRPC port carries everything. Assignments and
 * cancels come down it; heartbeats, events and results go up it, each answered by `ref`. A broken stream
 * is reopened with backoff; what was in flight fails as "unreachable", which the SDK retries.
 */
export const startStream: Start = async (agent, take) => {
  if (!agent.opts.grpc) throw new Error("stream mode needs the orchestrator's gRPC address (option grpc)");
  const pkg = grpc.loadPackageDefinition(loader.loadSync(protoPath, Pb.loadOptions)) as unknown as Package;
  const client = new pkg.eap.v1.ExternalAgent(agent.opts.grpc, grpc.credentials.createInsecure());
  const c = agent.credentials!;
  const meta = new grpc.Metadata();
  meta.set("x-agent-id", c.agentId);
  meta.set("x-agent-token", c.token);
  const pending = new Map<number, { resolve: (m: Msg) => void; reject: (e: Error) => void }>();
  let ref = 0;
  let stream: grpc.ClientDuplexStream<Msg, Msg> | null = null;
  let opened!: () => void;
  const first = new Promise<void>((r) => (opened = r));

  const open = () =>
    new Promise<void>((ended) => {
      // Writes queue until the stream is up; the server's headers say it is (it sends them on connect).
      const s = client.Connect(meta);
      stream = s;
      s.on("metadata", () => opened());
      s.on("data", (m: Msg) => {
        if (m.assignment) take(Pb.assignmentIn(m.assignment as Msg));
        else if (m.cancel) agent.cancel(((m.cancel as Msg).task_ids as string[]) ?? [], "cancelled");
        else {
          const p = pending.get(Number(m.ref));
          pending.delete(Number(m.ref));
          const e = m.error as Msg | undefined;
          if (e) p?.reject(toApiError(Number(e.code), String(e.error_code), String(e.message)));
          else p?.resolve(m);
        }
      });
      s.on("error", () => {});
      s.on("status", (st: grpc.StatusObject) => {
        stream = null;
        const err = toApiError(
          st.code,
          st.code === grpc.status.UNAUTHENTICATED ? "unauthorized" : "unreachable",
          st.details,
        );
        for (const p of pending.values())
          p.reject(new ApiError(0, "unreachable", `stream closed: ${st.details}`));
        pending.clear();
        if (st.code === grpc.status.UNAUTHENTICATED) agent.log("error", err.message);
        ended();
      });
    });

  const done = (async () => {
    for (let n = 0; !agent.signal.aborted; n++) {
      const t0 = Date.now();
      await open();
      if (agent.signal.aborted) break;
      if (Date.now() - t0 > 10_000) n = 0;
      agent.log("warn", "the gRPC stream closed; reconnecting");
      await sleep(backoff(n), agent.signal);
    }
  })();
  // Wait a little for the first connection; if it is not up yet, the loop keeps trying and sends retry.
  await Promise.race([first, sleep(5000)]);

  const send = (body: Msg): Promise<Msg> => {
    const s = stream;
    if (!s) return Promise.reject(new ApiError(0, "unreachable", "the gRPC stream is not connected"));
    const r = ++ref;
    return new Promise((resolve, reject) => {
      pending.set(r, { resolve, reject });
      s.write({ ref: r, ...body });
    });
  };
  const link: Link = {
    heartbeat: async (b) => (await send({ heartbeat: b })).heartbeat as Eap.HeartbeatReply,
    events: async (task, attempt, events) =>
      (await send({ events: { task_id: task, attempt, events: events.map((e) => Pb.eventOut(e)) } })).events,
    result: async (task, body) =>
      (await send({ result: Pb.resultOut(task, body as Msg) })).result as {
        status: string;
        session_status: string;
      },
    // Unary, beside the stream: a long-poll on the stream would hold up the messages queued behind it.
    inbox: (task, body, signal) =>
      new Promise((resolve, reject) => {
        const { wait, ...rest } = body;
        const call = client.Inbox({ task_id: task, ...rest, wait_seconds: wait }, meta, (err, res) => {
          signal.removeEventListener("abort", cancel);
          if (err) return reject(toApiError(err.code, errorCode(err), err.details));
          const r = res as { messages?: Eap.Said[]; answers?: Eap.Answered[] };
          resolve({
            messages: r.messages ?? [],
            answers: (r.answers ?? []).map((a) => ({
              ...a,
              answers: a.answers ?? [],
              rejected: !!a.rejected,
              message: a.message || null,
            })),
          });
        });
        const cancel = () => call.cancel();
        signal.addEventListener("abort", cancel, { once: true });
      }),
    deregister: (graceful, reason) =>
      new Promise((resolve, reject) =>
        client.Deregister({ graceful, reason }, meta, (err, res) =>
          err
            ? reject(toApiError(err.code, "grpc", err.details))
            : resolve(res as { status: string; tasks: number }),
        ),
      ),
  };
  return {
    link,
    stop: async () => {
      stream?.end();
      stream?.cancel();
      await done;
      client.close();
    },
  };
};
