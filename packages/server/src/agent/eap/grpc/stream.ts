import * as grpc from "@grpc/grpc-js";
import { Eap, Pb } from "@orchestrator/sdk";
import type { Deps } from "../../../api/deps.ts";
import { AppError } from "../../../error.ts";
import type { Subscription } from "../../../event/hub.ts";
import { type AgentRow, leaseOwner } from "../../../registry/store.ts";
import * as Life from "../../../registry/life.ts";
import { isLeased } from "../../../session/status.ts";
import * as Tasks from "../tasks.ts";
import type { Waiters } from "../waiters.ts";
import { agentOf, parse, toStatus } from "./call.ts";

type Msg = Record<string, unknown>;

/**
 * One agent connection. Out: assignments as they are routed to the agent (the claim's NOTIFY wakes the
 * loop on any node) and cancels as soon as a delivered task stops being the agent's. In: heartbeats, events
 * and results, handled in order, each answered with the `ref` it came with. Every message re-checks the
 * token, so a rotation or deregistration ends the stream.
 */
export function connect(deps: Deps, waiters: Waiters, call: grpc.ServerDuplexStream<Msg, Msg>): void {
  const ctrl = new AbortController();
  const delivered = new Map<string, number>();
  let sub: Subscription | null = null;
  let chain = Promise.resolve();
  const write = (m: Msg) => {
    if (!ctrl.signal.aborted) call.write(m);
  };
  const close = (err?: unknown) => {
    if (ctrl.signal.aborted) return;
    ctrl.abort();
    sub?.close();
    if (err) call.emit("error", toStatus(err, deps));
    else call.end();
  };
  call.on("end", () => close());
  call.on("cancelled", () => close());
  call.on("error", () => close());

  void agentOf(deps, call.metadata)
    .then(
      async (agent) => {
        call.sendMetadata(new grpc.Metadata()); // tells the agent the stream is up before any assignment
        call.on("data", (m: Msg) => {
          // handle() answers its own errors; what could still escape ends this stream only.
          chain = chain.then(() => handle(agent, m)).catch((err) => close(err));
        });
        // A cancelled, timed-out or reassigned task is announced at once (the heartbeat reply would say it too).
        sub = await deps.hub.subscribe({ tenantId: agent.tenantId! }, (events) => {
          const gone = events
            .filter((e) => e.type === "session.status")
            .filter((e) => delivered.has(e.sessionId))
            .filter((e) => {
              const d = e.data;
              return !isLeased(d.to) || (d.event === "claim" && d.owner !== leaseOwner(agent.id));
            })
            .map((e) => e.sessionId);
          for (const id of gone) delivered.delete(id);
          if (gone.length) write({ cancel: { task_ids: [...new Set(gone)] } });
        });
        if (ctrl.signal.aborted) sub.close();
        await deliver(agent);
      },
      (err) => close(err),
    )
    .catch((err) => {
      deps.log.error({ err }, "EAP stream failed; closing it");
      close(err);
    });

  async function deliver(agent: AgentRow): Promise<void> {
    while (!ctrl.signal.aborted) {
      try {
        const row = await waiters.next(agent, 30_000, ctrl.signal);
        if (!row || ctrl.signal.aborted) continue;
        delivered.set(row.id, row.attempt);
        write({ assignment: Pb.assignment(await Tasks.offer(deps.db, row, deps.clock.now())) });
      } catch (err) {
        deps.log.warn({ err, agent: agent.id }, "stream delivery failed");
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  async function handle(known: AgentRow, m: Msg): Promise<void> {
    if (ctrl.signal.aborted) return;
    const ref = m.ref ?? 0;
    try {
      const agent = await agentOf(deps, call.metadata);
      if (agent.id !== known.id) throw new AppError("unauthorized", "the stream's agent changed");
      write({ ref, ...(await answer(agent, m)) });
    } catch (err) {
      if (err instanceof AppError && err.code === "unauthorized") return close(err);
      const s = toStatus(err, deps);
      write({
        ref,
        error: {
          code: s.code,
          error_code: err instanceof AppError ? err.code : "internal",
          message: s.details,
        },
      });
    }
  }

  async function answer(agent: AgentRow, m: Msg): Promise<Msg> {
    const now = deps.clock.now();
    switch (m.body) {
      case "heartbeat":
        return {
          heartbeat: await Life.heartbeat(
            deps.db,
            agent,
            parse(Eap.Heartbeat, "heartbeat", Pb.heartbeat(m.heartbeat as Msg)),
            now,
          ),
        };
      case "events": {
        const e = m.events as Msg;
        const body = parse(Eap.Events, "events", Pb.events(e));
        return { events: { accepted: await Tasks.events(deps.store, agent, String(e.task_id ?? ""), body) } };
      }
      case "result": {
        const r = m.result as Msg;
        const body = parse(Eap.Result, "result", Pb.result(r));
        delivered.delete(String(r.task_id));
        const out = await Tasks.result(deps.store, agent, String(r.task_id ?? ""), body);
        return { result: { status: out.status, session_status: out.row.status } };
      }
      default:
        throw new AppError(
          "validation_failed",
          "message.body: one of heartbeat, events or result is required",
          {
            issues: [{ path: "message.body", message: "one of heartbeat, events or result is required" }],
          },
        );
    }
  }
}
