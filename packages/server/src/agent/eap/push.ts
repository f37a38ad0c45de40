import { createHmac } from "node:crypto";
import type { Config } from "../../config.ts";
import type { Log } from "../../log.ts";
import * as Guard from "../../net/guard.ts";
import * as Registry from "../../registry/store.ts";
import type { Row } from "../../session/row.ts";
import * as Store from "../../session/store.ts";
import { ack, offer } from "./tasks.ts";

/** `v1=` HMAC-SHA256 over "<unix seconds>.<body>" with the agent's signing secret (as Stripe-style webhooks do). */
export const sign = (secret: string, ts: number, body: string) =>
  `v1=${createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex")}`;

/**
 * Deliver assignments routed to push-mode agents: POST `<endpoint>/task`, signed. A 2xx (202 expected)
 * means the agent took it; anything else fails the attempt, retryably, so routing tries another agent.
 * Pull and stream agents need nothing here: the claim's NOTIFY wakes their long-polls and streams.
 */
export function pusher(ctx: Store.Ctx, config: Config, log: Log): (rows: Row[]) => void {
  const allow = Guard.allowlist(config.agents.allowHosts);
  const deliver = async (row: Row) => {
    const agent = await Registry.get(ctx.db, row.tenantId, row.agentId!).catch(() => null);
    if (!agent || agent.mode !== "push") return;
    const body = JSON.stringify(await offer(ctx.db, row, ctx.now()));
    const ts = Math.floor(ctx.now().getTime() / 1000);
    try {
      const base = await Guard.check(agent.endpoint ?? "", allow, "endpoint_url");
      const url = new URL("task", base.href.endsWith("/") ? base : `${base.href}/`);
      const res = await fetch(url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-eap-agent": agent.id,
          "x-eap-timestamp": String(ts),
          "x-eap-signature": sign(agent.signingSecret ?? "", ts, body),
        },
        body,
        redirect: "error",
        signal: AbortSignal.timeout(config.agents.callTimeoutMs),
      });
      await res.body?.cancel();
      if (!res.ok) throw new Error(`the agent answered ${res.status} to the assignment`);
      await ack(ctx.db, agent, row, ctx.now());
    } catch (err) {
      const message = `could not deliver to ${agent.name}: ${err instanceof Error ? err.message : String(err)}`;
      log.warn({ session: row.id, agent: agent.id, err }, "push delivery failed");
      await Store.transition(
        ctx,
        row.id,
        { type: "fail", code: "agent_unreachable", message, retryable: true },
        { fence: row.fence, known: row },
      ).catch(() => {}); // the session moved meanwhile: that write stands
    }
  };
  return (rows) => {
    for (const row of rows)
      void deliver(row).catch((err) => log.error({ err, session: row.id }, "push delivery failed"));
  };
}
