import { existsSync } from "node:fs";
import path from "node:path";
import { sql } from "drizzle-orm";
import { type CheckpointItem, type EventData, type Fork, rewindable } from "@orchestrator/sdk";
import type { z } from "zod";
import type { Db } from "../db/db.ts";
import { AppError } from "../error.ts";
import * as Log from "../event/log.ts";
import * as Sessions from "../session/store.ts";
import * as Submit from "../session/submit.ts";
import type { Row } from "../session/row.ts";
import * as Projects from "../project/store.ts";
import { type Project, createAt, currentBranch, open, reset, rootFor } from "../workspace/worktree.ts";

/** The part of a checkpoint's data that rewinding needs (see agent/opencode/agent.ts, Position). */
interface Point {
  commit: string;
  messageId: string | null;
  opencodeSession?: string | null;
}

const isPoint = (d: unknown): d is Point =>
  !!d && typeof d === "object" && typeof (d as Point).commit === "string" && (d as Point).commit.length > 0;

/** Every checkpoint of a session that holds a commit, oldest first. */
export async function list(db: Db, tenantId: string, id: string): Promise<CheckpointItem[]> {
  const s = await Sessions.get(db, tenantId, id);
  const rows = await db.rows(sql`
    select seq, at, data from session_events
    where tenant_id = ${tenantId} and session_id = ${id} and type = 'session.checkpoint' order by seq`);
  const current = s.checkpoint?.data as Point | undefined;
  return rows
    .map((r) => ({
      seq: Number(r.seq),
      at: new Date(String(r.at)).toISOString(),
      data: (r.data as EventData<"session.checkpoint">).data,
    }))
    .filter((r): r is { seq: number; at: string; data: Point } => isPoint(r.data))
    .map((r) => ({
      seq: r.seq,
      at: r.at,
      commit: r.data.commit,
      messageId: r.data.messageId ?? null,
      current:
        !!current &&
        current.commit === r.data.commit &&
        (current.messageId ?? null) === (r.data.messageId ?? null),
    }));
}

async function find(
  db: Db,
  tenantId: string,
  id: string,
  seq: number,
): Promise<Point & Record<string, unknown>> {
  const rows = await db.rows(sql`
    select data from session_events
    where tenant_id = ${tenantId} and session_id = ${id} and seq = ${seq} and type = 'session.checkpoint'`);
  const data = (rows[0]?.data as EventData<"session.checkpoint"> | undefined)?.data;
  if (!isPoint(data))
    throw new AppError("not_found", `session ${id} has no checkpoint with a commit at seq ${seq}`, { seq });
  return data as Point & Record<string, unknown>;
}

/** Statuses a session may be rewound in: nothing runs it, and it can run again (resume or retry). */

/**
 * Rewind a session to a checkpoint: its worktree now (git reset), its conversation on the next run (the
 * adapter reverts OpenCode to the same message), and the checkpoint becomes the one the next run starts
 * from. Then `resume` (paused) or `retry` (ended) continues from there.
 */
export async function restore(
  ctx: Sessions.Ctx,
  tenantId: string,
  id: string,
  seq: number,
  dataDir: string,
): Promise<Row> {
  const s = await Sessions.get(ctx.db, tenantId, id);
  if (!rewindable.includes(s.status))
    throw new AppError("invalid_transition", `cannot restore a session that is ${s.status}`, {
      status: s.status,
      allowed: rewindable,
    });
  const point = await find(ctx.db, tenantId, id, seq);
  const wt = await worktreeOf(ctx.db, s, dataDir);
  await reset(wt, point.commit);
  const now = ctx.now();
  const data = { ...point, rewind: true };
  // The new current checkpoint and its log entry in one statement, guarded by the status read above.
  const after = await Log.write(ctx.db, {
    tenantId,
    sessionId: id,
    type: "session.restored",
    at: now,
    data: { seq, commit: point.commit, messageId: point.messageId },
    set: [
      sql`checkpoint = jsonb_build_object('seq', last_seq + 1, 'at', ${now.toISOString()}::text, 'data', ${JSON.stringify(data)}::jsonb)`,
    ],
    guard: [sql`status = ${s.status}`],
  });
  if (!after) throw new AppError("conflict", `session ${id} changed while restoring; try again`);
  return Sessions.get(ctx.db, tenantId, id);
}

/**
 * A new session that starts where another one stood at a checkpoint: a new branch cut from its commit,
 * and (on its first run) a fork of its OpenCode conversation at that message, then the given prompt.
 */
export async function fork(
  ctx: Sessions.Ctx,
  tenantId: string,
  id: string,
  seq: number,
  input: z.output<typeof Fork>,
  dataDir: string,
): Promise<Row> {
  const s = await Sessions.get(ctx.db, tenantId, id);
  const point = await find(ctx.db, tenantId, id, seq);
  if (!s.workspace) throw new AppError("conflict", `session ${id} has no workspace to fork`);
  const project = await projectOf(ctx.db, s);
  const child = await Submit.create(ctx, tenantId, {
    title: input.title ?? `${s.title} (fork)`,
    prompt: input.prompt ?? s.prompt,
    type: s.type,
    priority: s.priority,
    capabilities: s.capabilities,
    agent: s.agent ?? undefined,
    profile: s.profile ?? undefined,
    workspace: s.workspace,
    projectId: s.projectId,
    maxDurationSec: s.maxDurationSec,
    maxAttempts: s.maxAttempts,
    tags: s.tags,
    metadata: { ...s.metadata, forkOf: { sessionId: id, seq, commit: point.commit } },
    parentId: id,
    hold: true, // started below, once its worktree exists
    checkpoint: {
      commit: point.commit,
      messageId: point.messageId,
      opencodeSession: null,
      forkOf: point.opencodeSession
        ? { opencodeSession: point.opencodeSession, messageId: point.messageId }
        : null,
    },
  });
  try {
    await createAt(project, child.id, rootFor(dataDir), point.commit);
  } catch (err) {
    await Sessions.transition(ctx, child.id, {
      type: "cancel",
      reason: "the fork's worktree could not be made",
    });
    throw err;
  }
  return input.hold ? child : Sessions.transition(ctx, child.id, { type: "start" }, { tenantId });
}

/** The session's worktree, checked out again from its branch if retention removed it. */
async function worktreeOf(db: Db, s: Row, dataDir: string): Promise<string> {
  const dir = path.join(rootFor(dataDir), s.id);
  if (existsSync(dir)) return dir;
  return (await open(await projectOf(db, s), s.id, rootFor(dataDir))).path;
}

/** The repository a session works on: its registered project, or its ad-hoc workspace. */
async function projectOf(db: Db, s: Row): Promise<Project> {
  if (!s.workspace) throw new AppError("conflict", `session ${s.id} has no workspace`);
  const project = s.projectId ? await Projects.get(db, s.tenantId, s.projectId) : null;
  const repo = project?.path ?? s.workspace.repo;
  // Sessions submitted since the base is pinned at submit always carry `ref`.
  const baseBranch = project?.baseBranch ?? s.workspace.ref ?? (await currentBranch(repo));
  return { path: repo, baseBranch, copyFiles: project?.copyFiles ?? [] };
}
