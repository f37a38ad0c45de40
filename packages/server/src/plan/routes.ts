import { createRoute, z } from "@hono/zod-openapi";
import { sql } from "drizzle-orm";
import { Diff, Plan, SeqParam } from "@orchestrator/sdk";
import { diff as worktreeDiff } from "../workspace/worktree.ts";
import type { App, Deps } from "../api/deps.ts";
import { body, errors, json } from "../api/doc.ts";
import { AppError } from "../error.ts";
import * as Projects from "../project/store.ts";
import * as Agents from "../registry/store.ts";
import * as Opencode from "../agent/opencode/name.ts";
import { checkWorkspace } from "../session/submit.ts";
import { Input as DecomposeInput, decompose } from "./decompose/decompose.ts";
import { sse } from "../event/stream.ts";
import * as PlanEvents from "./events.ts";
import * as Learn from "./learn.ts";
import * as Planning from "./planning.ts";
import * as Service from "./service.ts";
import * as Grow from "./grow.ts";
import type { Principal } from "../auth/key.ts";
import { type Target, counts, edgesOf, getPlan, planFromRow, tasksOf } from "./store.ts";
import { summary, view } from "./view.ts";

const tags = ["Plans"];
const Id = z.object({ id: z.uuid().describe("plan id") });
const TaskRef = Id.extend({ key: Plan.TaskKey });
const EventsQuery = z
  .object({
    after: SeqParam.optional().describe("entries after this seq"),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
    type: z
      .enum(Object.keys(Plan.PlanEventData) as [Plan.PlanEventType, ...Plan.PlanEventType[]])
      .optional()
      .describe("JSON pages only: entries of this type alone, e.g. plan.landing"),
  })
  .strict();
const ListQuery = z
  .object({
    status: Plan.PlanStatus.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    cursor: z.string().min(1).max(200).optional().describe("nextCursor of the previous page"),
  })
  .strict();

export function routes(app: App, deps: Deps, plans: Service.Deps): void {
  const tenant = (c: { get(k: "principal"): { tenantId: string } }) => c.get("principal").tenantId;
  const by = (c: { get(k: "principal"): Principal }) => {
    const { keyId, work } = c.get("principal");
    return work ? `session:${work.sessionId}` : keyId ? `key:${keyId}` : "dev";
  };
  const show = async (tenantId: string, id: string) => {
    const plan = await getPlan(deps.db, tenantId, id);
    const [tasks, edges, learnt] = await Promise.all([
      tasksOf(deps.db, id),
      edgesOf(deps.db, id),
      Learn.load(deps.db, tenantId),
    ]);
    return view(plan, tasks, edges, learnt, await Planning.latest(deps.db, id));
  };
  /** Pinned agents must exist now, not fail a task hours later: each unknown one is refused by field. */
  const pins = async (tenantId: string, draft: Plan.PlanDraft) => {
    const issues: { path: string; message: string }[] = [];
    const known = new Map<string, boolean>(); // each name is looked up once, however many tasks pin it
    for (const [i, t] of draft.tasks.entries()) {
      if (!t.agent || Opencode.isKind(t.agent)) continue;
      if (!known.has(t.agent))
        known.set(
          t.agent,
          await Agents.byName(deps.db, tenantId, t.agent).then(
            () => true,
            () => false,
          ),
        );
      if (!known.get(t.agent))
        issues.push({ path: `body.tasks.${i}.agent`, message: `no agent named ${t.agent} is registered` });
    }
    if (issues.length)
      throw new AppError("validation_failed", `${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  };
  /** A plan's repository: a registered project, or a workspace checked and claimed like a session's. */
  const target = async (
    tenantId: string,
    draft: {
      project?: string | undefined;
      workspace?: { repo: string; ref?: string | undefined } | undefined;
    },
  ): Promise<Target> => {
    if (draft.project && draft.workspace)
      throw new AppError("validation_failed", "body.project: give project or workspace, not both", {
        issues: [{ path: "body.project", message: "conflicts with workspace" }],
      });
    if (draft.project) {
      const p = await Projects.get(deps.db, tenantId, draft.project, "body.project");
      return { projectId: p.id, workspace: { repo: p.path, ref: p.baseBranch } };
    }
    if (draft.workspace)
      return { projectId: null, workspace: await checkWorkspace(deps, tenantId, draft.workspace) };
    return { projectId: null, workspace: null };
  };

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/plans",
      tags,
      summary:
        "Make a plan from an explicit graph: a draft to preview and edit, or started at once (start: true)",
      request: body(Plan.CreatePlan),
      responses: { 201: json(Plan.View, "the plan"), ...errors },
    }),
    async (c) => {
      const draft = c.req.valid("json");
      await pins(tenant(c), draft);
      const id = await Service.create(plans, tenant(c), draft, {
        by: by(c),
        source: "graph",
        target: await target(tenant(c), draft),
      });
      return c.json(await show(tenant(c), id), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/plans/planner",
      tags,
      summary:
        "Have an agent plan a goal: a draft whose graph the planning session's answer fills (checked like a posted graph; an invalid answer is sent back once with its errors)",
      request: body(Plan.PlannerRequest),
      responses: { 201: json(Plan.View, "the draft, with its planning session"), ...errors },
    }),
    async (c) => {
      const req = c.req.valid("json");
      if (req.agent && !Opencode.isKind(req.agent)) await Agents.byName(deps.db, tenant(c), req.agent);
      const where = await target(tenant(c), req);
      const id = await Service.plan(plans, tenant(c), req, { by: by(c), target: where });
      return c.json(await show(tenant(c), id), 201);
    },
  );

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/plans/decompose",
      tags,
      summary:
        "Decompose a goal by the reference's heuristics (complexity, capabilities, templates, rules): a draft graph, nothing stored",
      request: body(DecomposeInput),
      responses: {
        200: json(z.object({ draft: z.unknown(), analysis: z.unknown() }), "the draft and why"),
        ...errors,
      },
    }),
    async (c) => c.json(decompose(c.req.valid("json")), 200),
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/plans",
      tags,
      summary: "The tenant's plans, newest first, with their tasks counted by state",
      request: { query: ListQuery },
      responses: { 200: json(Plan.Page, "a page of plans"), ...errors },
    }),
    async (c) => {
      const q = c.req.valid("query");
      const after = q.cursor ? decodeCursor(q.cursor) : null;
      const rows = await deps.db.rows(sql`
        select * from plans where tenant_id = ${tenant(c)} and deleted_at is null
          ${q.status ? sql`and status = ${q.status}` : sql``}
          ${after ? sql`and (created_at, id) < (${after.at}::timestamptz, ${after.id}::uuid)` : sql``}
        order by created_at desc, id desc limit ${q.limit + 1}`);
      const page = rows.slice(0, q.limit).map(planFromRow);
      const n = await counts(
        deps.db,
        page.map((p) => p.id),
      );
      const last = page.at(-1);
      return c.json(
        {
          items: page.map((p) => summary(p, n.get(p.id) ?? {})),
          nextCursor: rows.length > q.limit && last ? encodeCursor(last.createdAt, last.id) : null,
        },
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/plans/{id}",
      tags,
      summary:
        "A plan: its tasks with their states and sessions, its edges, the critical path and the forecast",
      request: { params: Id },
      responses: { 200: json(Plan.View, "the plan"), ...errors },
    }),
    async (c) => c.json(await show(tenant(c), c.req.valid("param").id), 200),
  );

  app.openapi(
    createRoute({
      method: "put",
      path: "/api/v1/plans/{id}",
      tags,
      summary: "Replace a draft's graph (edit before start); a started plan answers 409",
      request: { params: Id, ...body(Plan.CreatePlan) },
      responses: { 200: json(Plan.View, "the edited draft"), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const draft = c.req.valid("json");
      await getPlan(deps.db, tenant(c), id);
      await pins(tenant(c), draft);
      await Service.replace(plans, tenant(c), id, draft, { target: await target(tenant(c), draft) });
      if (draft.start) await Service.start(plans, tenant(c), id, by(c));
      return c.json(await show(tenant(c), id), 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/plans/{id}/events",
      tags,
      summary:
        "The plan's own log (plan.created, plan.status, task.status, plan.landing): JSON pages, or a live stream with Accept: text/event-stream (resumes from Last-Event-ID or ?after=); also WebSocket /ws/plans/{id}",
      request: {
        params: Id,
        query: EventsQuery,
        headers: z.object({
          "last-event-id": SeqParam.optional().describe(
            "SSE: resume after this seq (what a browser sends back)",
          ),
        }),
      },
      responses: { 200: json(Plan.EventPage, "entries in seq order"), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const { after, limit, type } = c.req.valid("query");
      await getPlan(deps.db, tenant(c), id);
      if (c.req.header("accept")?.includes("text/event-stream")) {
        const resume = c.req.valid("header")["last-event-id"] ?? after;
        return (await sse(c, deps, { tenantId: tenant(c), planId: id, afterSeq: resume ?? 0 })) as never;
      }
      const items = await PlanEvents.read(deps.db, {
        tenantId: tenant(c),
        planId: id,
        afterSeq: after ?? 0,
        limit,
        ...(type ? { type } : {}),
      });
      // The union schema is built by mapping the registry, which TypeScript sees as `never`.
      return c.json({ items } as never, 200);
    },
  );

  app.openapi(
    createRoute({
      method: "get",
      path: "/api/v1/plans/{id}/diff",
      tags,
      summary:
        "The plan's result: its integration branch against the commit it was cut from (404 before it has one)",
      request: { params: Id },
      responses: { 200: json(Diff, "files changed and the patch"), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const plan = await getPlan(deps.db, tenant(c), id);
      if (!plan.workspace || !plan.integrationBranch || !plan.baseCommit)
        throw new AppError(
          "not_found",
          `plan ${id} has no integration branch: it works on no repository, or has not started`,
          {
            id,
          },
        );
      const d = await worktreeDiff({
        path: plan.workspace.repo,
        branch: plan.integrationBranch,
        base: plan.baseCommit,
      });
      return c.json(d, 200);
    },
  );

  for (const action of ["start", "cancel", "pause", "resume"] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/v1/plans/{id}/${action}`,
        tags,
        summary: {
          start: "Start a draft: the integration branch is cut and the tasks without prerequisites launch",
          cancel: "Cancel: nothing new starts and the running tasks' sessions are cancelled",
          pause: "Pause: nothing new starts; running tasks go on",
          resume: "Resume a paused plan",
        }[action],
        request: { params: Id },
        responses: { 200: json(Plan.View, "the plan"), ...errors },
      }),
      async (c) => {
        const { id } = c.req.valid("param");
        if (action === "start") await Service.start(plans, tenant(c), id, by(c));
        else if (action === "cancel") await Service.cancel(plans, tenant(c), id, by(c));
        else await Service.pause(plans, tenant(c), id, action === "pause", by(c));
        return c.json(await show(tenant(c), id), 200);
      },
    );
  }

  app.openapi(
    createRoute({
      method: "post",
      path: "/api/v1/plans/{id}/tasks",
      tags,
      summary:
        "Add a task to a draft or running plan, after the tasks it is blocked by; it starts when they allow (its agents may add tasks too)",
      request: { params: Id, ...body(Plan.TaskAdd) },
      responses: { 201: json(Plan.Task, "the task"), ...errors },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const task = c.req.valid("json");
      await getPlan(deps.db, tenant(c), id);
      if (task.agent && !Opencode.isKind(task.agent))
        await Agents.byName(deps.db, tenant(c), task.agent).catch(() => {
          throw new AppError("validation_failed", `body.agent: no agent named ${task.agent} is registered`, {
            issues: [{ path: "body.agent", message: "not registered" }],
          });
        });
      await Grow.add(plans, tenant(c), id, task, by(c));
      const plan = await show(tenant(c), id);
      return c.json(
        plan.tasks.find((t) => t.key === task.key)!,
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: "patch",
      path: "/api/v1/plans/{id}/tasks/{key}",
      tags,
      summary: "Change a task that has not started: its title, prompt, priority, or more tasks it waits for",
      request: { params: TaskRef, ...body(Plan.TaskUpdate) },
      responses: { 200: json(Plan.Task, "the task"), ...errors },
    }),
    async (c) => {
      const { id, key } = c.req.valid("param");
      await getPlan(deps.db, tenant(c), id);
      await Grow.update(plans, tenant(c), id, key, c.req.valid("json"), by(c));
      const plan = await show(tenant(c), id);
      return c.json(
        plan.tasks.find((t) => t.key === key)!,
        200,
      );
    },
  );

  for (const action of ["retry", "skip"] as const) {
    app.openapi(
      createRoute({
        method: "post",
        path: `/api/v1/plans/{id}/tasks/{key}/${action}`,
        tags,
        summary:
          action === "retry"
            ? "Retry a failed, conflicted or cancelled task: it and the tasks that ended because of it wait again"
            : "Skip a task that has not run, or failed: its dependents decide as if it had been skipped",
        request: { params: TaskRef },
        responses: { 200: json(Plan.View, "the plan"), ...errors },
      }),
      async (c) => {
        const { id, key } = c.req.valid("param");
        await Service.act(plans, tenant(c), id, key, action, by(c));
        return c.json(await show(tenant(c), id), 200);
      },
    );
  }
}

/** A list cursor: the last row's creation time and id, so a page never repeats or skips a plan. */
function encodeCursor(at: string, id: string): string {
  return Buffer.from(`${at}|${id}`).toString("base64url");
}

function decodeCursor(cursor: string): { at: string; id: string } {
  const [at, id] = Buffer.from(cursor, "base64url").toString().split("|");
  if (!at || !id || Number.isNaN(Date.parse(at)) || !/^[0-9a-f-]{36}$/.test(id))
    throw new AppError("validation_failed", "query.cursor: not a cursor this server gave", {
      issues: [{ path: "query.cursor", message: "invalid cursor" }],
    });
  return { at, id };
}
