import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { type PullRequest, type Pushed, WorkspaceResult } from "@orchestrator/sdk";
import type { Config } from "../config.ts";
import type { Db, Q } from "../db/db.ts";
import { AppError } from "../error.ts";
import * as Log from "../event/log.ts";
import * as Projects from "../project/store.ts";
import type { Row } from "../session/row.ts";
import { toIso } from "../time.ts";
import { type Facts, body } from "./body.ts";
import * as Forges from "./forge.ts";
import { pushBranch } from "./push.ts";
import { guard } from "./remotes.ts";
import { landable } from "./service.ts";

export interface Ctx {
  db: Db;
  now: () => Date;
  config: Pick<Config, "agents" | "publicUrl">;
}

type Outcome = { outcome: string; reason?: string; message?: string } & Record<string, unknown>;

/** The session's branch, its project and the project's remote: what a push needs, or why it cannot. */
async function remoteOf(ctx: Ctx, tenantId: string, id: string) {
  const l = await landable(ctx.db, tenantId, id);
  const project = l.row.projectId ? await Projects.get(ctx.db, tenantId, l.row.projectId) : null;
  if (!project?.remote)
    throw new AppError(
      "invalid_transition",
      project
        ? `project ${project.name} has no remote: set one (orchestrator projects update ${project.name} --remote <url> --token-stdin)`
        : `session ${id} has no project, so no remote to push to`,
      { reason: "no_remote" },
    );
  await guard(ctx, project.remote, "project.remote");
  return { ...l, project, remote: project.remote, token: project.remoteToken };
}

const logger =
  (ctx: Ctx, tenantId: string, id: string, how: "push" | "pr", branch: string, by: string) =>
  (data: Outcome) =>
    Log.write(ctx.db, {
      tenantId,
      sessionId: id,
      type: "session.landing",
      at: ctx.now(),
      data: { how, branch, by, ...data } as never,
    });

/** Push a finished session's branch to its project's remote, under the same name. */
export async function push(ctx: Ctx, tenantId: string, id: string, by: string): Promise<Pushed> {
  const t = await remoteOf(ctx, tenantId, id);
  return pushed(ctx, tenantId, id, by, t);
}

async function pushed(
  ctx: Ctx,
  tenantId: string,
  id: string,
  by: string,
  t: Awaited<ReturnType<typeof remoteOf>>,
) {
  const log = logger(ctx, tenantId, id, "push", t.branch, by);
  try {
    const p = await pushBranch(t.repo, t.remote, t.token, t.branch);
    await log({ outcome: p.outcome, remote: t.remote.url, commit: p.commit });
    return { ...p, branch: t.branch, remote: t.remote.url };
  } catch (err) {
    if (err instanceof AppError) {
      const reason = (err.details as { reason?: string } | undefined)?.reason;
      await log({
        outcome: err.code === "conflict" ? "refused" : "failed",
        remote: t.remote.url,
        ...(reason ? { reason } : {}),
        message: err.message,
      });
    }
    throw err;
  }
}

/**
 * Open a pull request for a finished session: its branch is pushed first, then the forge is asked for the
 * PR (an open one for the branch is the answer, so asking twice opens one). Its body is made from the session.
 */
export async function open(
  ctx: Ctx,
  tenantId: string,
  id: string,
  by: string,
  origin: string,
): Promise<PullRequest> {
  const t = await remoteOf(ctx, tenantId, id);
  const { forge, api } = t.remote;
  if (!forge || !api)
    throw new AppError(
      "invalid_transition",
      `project ${t.project.name}'s remote is not on GitHub or GitLab as far as its host says: set remote.forge and remote.api`,
      { reason: "no_forge" },
    );
  if (!t.token)
    throw new AppError(
      "invalid_transition",
      `project ${t.project.name}'s remote has no token to open pull requests with`,
      {
        reason: "no_token",
      },
    );
  await pushed(ctx, tenantId, id, by, t);
  const link = `${ctx.config.publicUrl ?? origin}/sessions/${id}`;
  const text = body(await facts(ctx.db, t.row, link));
  const log = logger(ctx, tenantId, id, "pr", t.branch, by);
  const base = t.base;
  try {
    const pr = await Forges.client({ forge, api, repo: t.remote.repo }, t.token).open({
      title: t.row.title,
      body: text,
      head: t.branch,
      base,
    });
    const at = ctx.now().toISOString();
    // One row per session: opening again (a new round, or the remote moved to another forge) replaces it.
    const rows = await ctx.db.rows(sql`
      insert into pull_requests (id, tenant_id, session_id, forge, number, url, state, title, head, base, created_at, checked_at)
      values (${randomUUID()}, ${tenantId}, ${id}, ${forge}, ${pr.number}, ${pr.url}, ${pr.state}, ${t.row.title},
              ${t.branch}, ${base}, ${at}, ${at})
      on conflict (session_id) do update set forge = excluded.forge, number = excluded.number, url = excluded.url,
        state = excluded.state, title = excluded.title, base = excluded.base, checked_at = excluded.checked_at
      returning *`);
    await log({ outcome: "opened", base, remote: t.remote.url, url: pr.url, number: pr.number });
    return fromRow(rows[0]!);
  } catch (err) {
    if (err instanceof AppError)
      await log({ outcome: "failed", base, reason: "forge_failed", message: err.message });
    throw err;
  }
}

/** The session's pull request, its state read again from the forge (the stored one if the forge fails). */
export async function read(
  ctx: Ctx,
  tenantId: string,
  id: string,
  onError: (err: unknown) => void,
): Promise<PullRequest> {
  const rows = await ctx.db.rows(
    sql`select * from pull_requests where tenant_id = ${tenantId} and session_id = ${id}`,
  );
  if (!rows[0]) throw new AppError("not_found", `session ${id} has no pull request`, { id });
  const stored = fromRow(rows[0]);
  const project = await projectOf(ctx.db, tenantId, id);
  if (!project?.remote?.api || !project.remoteToken) return stored;
  try {
    await guard(ctx, project.remote, "project.remote");
    const now = await Forges.client(
      { forge: stored.forge, api: project.remote.api, repo: project.remote.repo },
      project.remoteToken,
    ).read(stored.number);
    const fresh = await ctx.db.rows(sql`
      update pull_requests set state = ${now.state}, url = ${now.url}, checked_at = ${ctx.now().toISOString()}
      where id = ${rows[0].id} returning *`);
    return fromRow(fresh[0]!);
  } catch (err) {
    onError(err);
    return stored;
  }
}

async function projectOf(q: Q, tenantId: string, id: string) {
  const r = await q.rows(sql`select project_id from sessions where tenant_id = ${tenantId} and id = ${id}`);
  const pid = r[0]?.project_id as string | null | undefined;
  return pid ? Projects.get(q, tenantId, pid) : null;
}

/** What the session's log says it did, for the PR's body. */
async function facts(q: Q, row: Row, link: string): Promise<Facts> {
  // The agent's messages and its finished shell calls, in order; the last message is its summary.
  const evs = await q.rows(sql`
    select type, data from session_events
    where session_id = ${row.id}
      and (type = 'agent.message'
           or (type = 'agent.tool' and data->>'tool' = 'bash' and data->>'status' in ('completed', 'error')))
    order by seq`);
  const said = evs
    .filter((e) => e.type === "agent.message")
    .map((e) => String((e.data as { text?: unknown }).text ?? ""));
  const checks = evs
    .filter((e) => e.type === "agent.tool")
    .map((e) => e.data as { status: string; input?: { command?: unknown } })
    .filter((d) => typeof d.input?.command === "string")
    .map((d) => ({ command: String(d.input!.command), ok: d.status === "completed" }));
  const n = await q.rows(sql`select count(*)::int as n from session_messages where session_id = ${row.id}`);
  const r = WorkspaceResult.safeParse(row.result);
  return {
    id: row.id,
    title: row.title,
    prompt: row.prompt,
    summary: said.at(-1) ?? null,
    checks,
    messages: Number(n[0]!.n),
    diff: r.success ? r.data.diff : { files: [], additions: 0, deletions: 0 },
    usage: row.usage,
    link,
  };
}

function fromRow(r: Record<string, unknown>): PullRequest {
  return {
    forge: r.forge as PullRequest["forge"],
    number: Number(r.number),
    url: String(r.url),
    state: r.state as PullRequest["state"],
    title: String(r.title),
    head: String(r.head),
    base: String(r.base),
    createdAt: toIso(r.created_at)!,
    checkedAt: toIso(r.checked_at)!,
  };
}
