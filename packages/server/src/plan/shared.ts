import { sql } from "drizzle-orm";
import type { Context } from "@orchestrator/sdk";
import { AppError } from "../error.ts";
import * as Contexts from "../context/store.ts";
import type { Step } from "./run.ts";
import type { TaskRow } from "./store.ts";

/** The plan's shared document: its agents read and write it through MCP (`context_get`, scope plan). */
export const docName = "main";

/** What the plan's document says of an ended task: how it ended, and what it handed on. */
function entry(t: TaskRow): unknown {
  const r = (t.result ?? {}) as { summary?: string; files?: string[] };
  const summary = r.summary ? (r.summary.length > 4000 ? `${r.summary.slice(0, 3999)}…` : r.summary) : null;
  return {
    title: t.title,
    status: t.status,
    summary,
    files: r.files ?? [],
    sessionId: t.sessionId,
    endedAt: t.endedAt,
  };
}

/**
 * Tasks ended in this step: write each one's result under `/tasks/<key>` of the plan's document, in the
 * step's transaction, so a dependent launched by the same step reads it there. One version per step.
 */
export async function share(s: Step, ended: TaskRow[]): Promise<void> {
  if (!ended.length) return;
  const tenantId = s.plan.tenantId;
  const id = await Contexts.ensure(
    s.tx,
    tenantId,
    { scope: "plan", ownerId: s.plan.id, name: docName },
    `plan:${s.plan.id}`,
    s.now,
  );
  const ops = (data: unknown): Context.Op[] => {
    const has =
      data !== null && typeof data === "object" && typeof (data as { tasks?: unknown }).tasks === "object";
    const set = ended.map((t) => ({
      op: "add" as const,
      path: `/tasks/${t.key.replace(/~/g, "~0")}`,
      value: entry(t),
    }));
    return has ? set : [{ op: "add", path: "/tasks", value: {} }, ...set];
  };
  await Contexts.patchIn(
    s.tx,
    tenantId,
    id,
    { ops, lastWriterWins: true, actor: { plan: s.plan.id }, causationId: `plan-step:${s.n}` },
    s.now,
  );
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
