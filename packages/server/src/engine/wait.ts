import { type Answer, type Approval, storable } from "@orchestrator/sdk";
import { type Ask, Fatal } from "../agent/agent.ts";
import * as Approvals from "../approval/store.ts";
import type { Clock } from "../clock.ts";
import * as Store from "../session/store.ts";
import type { Run } from "./run.ts";

/** Runs waiting on an approval, by approval id: called when its answer is announced. */
export type Waiters = Map<string, () => Promise<void>>;

export interface Ctx {
  store: Store.Ctx;
  clock: Clock;
  waiters: Waiters;
}

/**
 * An agent asks a person. The session waits (`waiting`, lease kept, no stall) until an answer arrives
 * through the approval channel, the run is stopped, or the timeout policy answers.
 */
export async function ask(ctx: Ctx, run: Run, q: Ask): Promise<Answer> {
  const { store, clock, waiters } = ctx;
  const db = store.db;
  const signal = run.abort.signal;
  signal.throwIfAborted();
  const { approval, row } = await Approvals.request(
    store,
    run.row,
    run.fence,
    q.kind,
    storable(q.request),
    q.timeoutMs,
  );
  run.row = row;
  run.waiting++;
  try {
    const answered = await new Promise<Approval>((resolve, reject) => {
      const timer = setTimeout(
        () => void expire(),
        Math.max(0, Date.parse(approval.expiresAt) - clock.now().getTime()),
      );
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(approval.id);
        signal.removeEventListener("abort", onAbort);
      };
      const onAbort = () => (cleanup(), reject(signal.reason));
      const expire = async () => {
        const policy: Answer = {
          reply: "reject",
          message: `No one answered within ${Math.round(q.timeoutMs / 1000)} s; rejected by the timeout policy.`,
        };
        try {
          const a = await Approvals.expire(db, row.tenantId, approval.id, policy, clock.now());
          cleanup();
          if (a.status === "expired" && q.onTimeout === "fail")
            reject(new Fatal(`approval ${approval.id} was not answered in time`, "approval_timeout"));
          else resolve(a);
        } catch (err) {
          cleanup();
          reject(err);
        }
      };
      waiters.set(approval.id, async () => {
        const a = await Approvals.get(db, row.tenantId, approval.id);
        if (a.status === "pending") return;
        cleanup();
        resolve(a);
      });
      signal.addEventListener("abort", onAbort, { once: true });
    });
    return answered.answer!;
  } finally {
    run.waiting--;
    run.lastEvent = clock.now().getTime();
    if (!run.waiting && run.row.status === "waiting" && !signal.aborted) {
      run.row = await Store.transition(
        store,
        run.row.id,
        { type: "answer" },
        { fence: run.fence, known: run.row },
      );
    }
  }
}
