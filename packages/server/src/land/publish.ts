import { randomUUID } from "node:crypto";
import { sql } from "drizzle-orm";
import { type PullRequest, type Pushed, WorkspaceResult } from "@orchestrator/sdk";
import type { Config } from "../config.ts";
import type { Db, Q } from "../db/db.ts";
import { AppError } from "../error.ts";
import { getPlan } from "../plan/store.ts";
import * as Projects from "../project/store.ts";
import type { Row } from "../session/row.ts";
import { toIso } from "../time.ts";
import { diff as worktreeDiff } from "../workspace/worktree.ts";
import { type Facts, body } from "./body.ts";
import * as Forges from "./forge.ts";
import { pushBranch } from "./push.ts";
import { guard } from "./remotes.ts";
import { type Entry, type Target, record } from "./target.ts";

export interface Ctx {
  db: Db;
  now: () => Date;
  config: Pick<Config, "agents" | "publicUrl">;
}

type Outcome = { outcome: string; reason?: string; message?: string } & Record<string, unknown>;

/** The branch, its project and the project's remote: what a push needs, or why it cannot. */
async function remoteOf(ctx: Ctx, t: Target) {
  const project = t.projectId ? await Projects.get(ctx.db, t.tenantId, t.projectId) : null;
  if (!project?.remote)
    throw new AppError(
      "invalid_transition",
      project
        ? `project ${project.name} has no remote: set one (orchestrator projects update ${project.name} --remote <url> --token-stdin)`
        : `${t.kind} ${t.id} has no project, so no remote to push to`,
      { reason: "no_remote" },
    );
  await guard(ctx, project.remote, "project.remote");
  return { ...t, project, remote: project.remote, token: project.remoteToken };
}

const logger = (ctx: Ctx, t: Target, how: "push" | "pr", by: string) => (data: Outcome) =>
  record(ctx.db, ctx.now(), t, { how, branch: t.branch, by, ...data } as Entry);

/** Push a finished session's or plan's branch to its project's remote, under the same name. */
export async function push(ctx: Ctx, t: Target, by: string): Promise<Pushed> {
  return pushed(ctx, by, await remoteOf(ctx, t));
}

async function pushed(ctx: Ctx, by: string, t: Awaited<ReturnType<typeof remoteOf>>) {
  const log = logger(ctx, t, "push", by);
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
 * Open a pull request for a finished session or plan: its branch is pushed first, then the forge is asked
 * for the PR (an open one for the branch is the answer, so asking twice opens one). Its body is made from
 * the session or the plan.
 */
export async function open(ctx: Ctx, target: Target, by: string, origin: string): Promise<PullRequest> {
  const t = await remoteOf(ctx, target);
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
      { reason: "no_token" },
    );
  await pushed(ctx, by, t);
  const link = `${ctx.config.publicUrl ?? origin}/${t.kind}s/${t.id}`;
  const text = body(
    t.kind === "session" ? await facts(ctx.db, t.row!, link) : await planFacts(ctx.db, t, link),
  );
  const log = logger(ctx, t, "pr", by);
  const base = t.base;
  try {
    const pr = await Forges.client({ forge, api, repo: t.remote.repo }, t.token).open({
      title: t.title,
      body: text,
      head: t.branch,
      base,
    });
    const at = ctx.now().toISOString();
    const owner = t.kind === "session" ? sql`session_id` : sql`plan_id`;
    // One row per session or plan: opening again (a new round, or the remote moved to another forge)
    // replaces it.
    const rows = await ctx.db.rows(sql`
      insert into pull_requests (id, tenant_id, ${owner}, forge, number, url, state, title, head, base, created_at, checked_at)
      values (${randomUUID()}, ${t.tenantId}, ${t.id}, ${forge}, ${pr.number}, ${pr.url}, ${pr.state}, ${t.title},
              ${t.branch}, ${base}, ${at}, ${at})
      on conflict (${owner}) do update set forge = excluded.forge, number = excluded.number, url = excluded.url,
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

/** A session's or plan's pull request, its state read again from the forge (the stored one if it fails). */
export async function read(
  ctx: Ctx,
  kind: Target["kind"],
  tenantId: string,
  id: string,
  onError: (err: unknown) => void,
): Promise<PullRequest> {
  const owner = kind === "session" ? sql`session_id` : sql`plan_id`;
  const rows = await ctx.db.rows(
    sql`select * from pull_requests where tenant_id = ${tenantId} and ${owner} = ${id}`,
  );
  if (!rows[0]) throw new AppError("not_found", `${kind} ${id} has no pull request`, { id });
  const stored = fromRow(rows[0]);
  const project = await projectOf(ctx.db, kind, tenantId, id);
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

async function projectOf(q: Q, kind: Target["kind"], tenantId: string, id: string) {
  const table = kind === "session" ? sql`sessions` : sql`plans`;
  const r = await q.rows(sql`select project_id from ${table} where tenant_id = ${tenantId} and id = ${id}`);
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
    kind: "session",
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

/** What a plan did, for its PR's body: its goal, its tasks and how they ended, the branch's diff. */
async function planFacts(q: Q, t: Target, link: string): Promise<Facts> {
  const p = await getPlan(q, t.tenantId, t.id);
  const tasks = await q.rows(sql`
    select key, title, status from plan_tasks where plan_id = ${t.id} order by position`);
  // Every attempt of every task spent tokens, not only the last one: the plan's sessions are its children.
  const spent = await q.rows(sql`
    select coalesce(sum((usage->>'input')::bigint), 0)::float8 as input,
           coalesce(sum((usage->>'output')::bigint), 0)::float8 as output,
           coalesce(sum((usage->>'cost')::float8), 0)::float8 as cost
    from sessions where tenant_id = ${t.tenantId} and plan_id = ${t.id}`);
  const d = await worktreeDiff({ path: t.repo, branch: t.branch, base: p.baseCommit ?? t.base });
  return {
    kind: "plan",
    id: t.id,
    title: t.title,
    prompt: p.goal ?? t.title,
    summary: null,
    tasks: tasks.map((r) => ({ key: String(r.key), title: String(r.title), status: String(r.status) })),
    messages: 0,
    diff: d,
    usage: { input: Number(spent[0]!.input), output: Number(spent[0]!.output), cost: Number(spent[0]!.cost) },
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
