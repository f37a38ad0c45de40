import { sql } from "drizzle-orm";
import { agentEntry } from "@orchestrator/sdk";
import type { AgentEvent } from "../agent/agent.ts";
import * as Events from "../event/log.ts";
import type { Event } from "./machine.ts";
import type { Row } from "./row.ts";
import * as Store from "./store.ts";

/**
 * Record one event an agent reported, under the fence of its attempt: the engine does it for the agents it
 * runs, the EAP endpoints for external ones. Returns the row as it is afterwards (health reports move it).
 */
export async function record(
  ctx: Store.Ctx,
  row: Row,
  fence: number,
  ev: Exclude<AgentEvent, { type: "result" | "alive" }>,
): Promise<Row> {
  const db = ctx.db;
  const at = ctx.now();
  const base = { tenantId: row.tenantId, sessionId: row.id, at, fence };
  if (ev.type === "degraded" || ev.type === "recovered") {
    // Agents report health as often as they like; the state only moves when it changes, and a repeated
    // report is still logged, so nothing the agent said is lost.
    const want = ev.type === "degraded" ? "degraded" : "running";
    if (row.status === want) {
      const text = ev.type === "degraded" ? `still degraded: ${ev.reason}` : "recovered";
      await Events.append(db, { ...base, type: "agent.log", data: { level: "warn", text } });
      return row;
    }
    const event: Event =
      ev.type === "degraded" ? { type: "degrade", reason: ev.reason } : { type: "recover" };
    return Store.transition(ctx, row.id, event, { fence, known: row });
  }
  if (ev.type === "checkpoint") {
    // The checkpoint row and its log entry in one statement; `last_seq + 1` is the entry's seq (SET reads the old row).
    const set = [
      sql`checkpoint = jsonb_build_object('seq', last_seq + 1, 'at', ${at.toISOString()}::text, 'data', ${JSON.stringify(ev.data ?? null)}::jsonb)`,
    ];
    await Events.append(db, { ...base, type: "session.checkpoint", data: { data: ev.data }, set });
    return row;
  }
  if (ev.type === "usage") {
    // Summed on the row in the same statement as the log entry, so the two never disagree.
    const add = (k: "input" | "output" | "reasoning" | "cost") =>
      sql`${k}::text, coalesce((usage->>${k})::numeric, 0) + ${ev[k]}`;
    const set = [
      sql`usage = jsonb_build_object(${add("input")}, ${add("output")}, ${add("reasoning")}, ${add("cost")})`,
    ];
    const { type: _t, ...data } = ev;
    await Events.append(db, { ...base, type: "agent.usage", data, set });
    return row;
  }
  await Events.append(db, { ...base, ...agentEntry(ev) });
  return row;
}
