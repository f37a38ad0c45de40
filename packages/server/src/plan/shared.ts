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
  // Short, so a plan of a thousand tasks stays under a document's 1 MB; the full result is the task's.
  const summary = r.summary ? (r.summary.length > 600 ? `${r.summary.slice(0, 599)}…` : r.summary) : null;
  return {
    title: t.title,
    status: t.status,
    summary,
    files: (r.files ?? []).slice(0, 20),
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
    const set = ended.map((t) => ({
      op: "add" as const,
      path: `/tasks/${t.key.replace(/~/g, "~0")}`,
      value: entry(t),
    }));
    if (!isObject(data)) return [{ op: "replace", path: "", value: { tasks: {} } }, ...set];
    return isObject(data.tasks) ? set : [{ op: "add", path: "/tasks", value: {} }, ...set];
  };
  // The tasks' ends must not depend on the document: a write it refuses (over its limit) is undone alone.
  await s.tx.rows(sql`savepoint share`);
  try {
    await Contexts.patchIn(
      s.tx,
      tenantId,
      id,
      { ops, lastWriterWins: true, actor: { plan: s.plan.id }, causationId: `plan-step:${s.n}` },
      s.now,
    );
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    await s.tx.rows(sql`rollback to savepoint share`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);
