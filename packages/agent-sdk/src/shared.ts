import { type Client, Context, type Plan, createClient } from "@orchestrator/sdk";

type Scope = "session" | "plan" | "project";

/**
 * The task's work on the orchestrator, with the credential its assignment carries: shared context of its
 * session, plan and project, and its plan's tasks. The credential is good while the agent holds the
 * task; it reaches nothing else (docs/mcp.md#credentials).
 */
export class Shared {
  /** The REST client, authenticated as this task's work. */
  readonly api: Client;
  private readonly sessionId: string;
  private owners: Promise<Record<Scope, string | null>> | null = null;

  constructor(url: string, credential: string, sessionId: string, f?: typeof fetch) {
    this.api = createClient({ url, key: credential, ...(f ? { fetch: f } : {}) });
    this.sessionId = sessionId;
  }

  /** Whose documents this work has: its session, its plan (if any), its project (if any). */
  private who(): Promise<Record<Scope, string | null>> {
    this.owners ??= this.api.sessions.get(this.sessionId).then(
      (s) => ({ session: s.id, plan: s.planId, project: s.projectId }),
      (err) => {
        this.owners = null; // asked again next time
        throw err;
      },
    );
    return this.owners;
  }

  /** The work's document of a scope (default: the plan's when in a plan) and name, made on first use. */
  async document(scope?: Scope, name = "main"): Promise<Context.Document> {
    const who = await this.who();
    const s: Scope = scope ?? (who.plan ? "plan" : "session");
    const ownerId = who[s];
    if (!ownerId) throw new Error(`this task has no ${s}`);
    const [found] = await this.api.contexts.list({ scope: s, ownerId, name });
    if (found) return found;
    try {
      return await this.api.contexts.create({ scope: s, ownerId, name });
    } catch (err) {
      const [made] = await this.api.contexts.list({ scope: s, ownerId, name }); // made meanwhile
      if (made) return made;
      throw err;
    }
  }

  /** A value by dot path or JSON pointer (all of it by default), with the version to patch against. */
  async get(path = "", o: { scope?: Scope; name?: string } = {}) {
    const d = await this.api.contexts.get((await this.document(o.scope, o.name)).id);
    return { id: d.id, version: d.version, value: Context.valueAt(d.data, Context.pointer(path)) ?? null };
  }

  /**
   * Patch the document; op paths may be dot paths. Give `version` (from `get`) to replace values: a
   * change meanwhile to the same paths is refused (ApiError 412, with their current values).
   */
  async patch(
    ops: Context.Op[],
    o: { scope?: Scope; name?: string; version?: number; lastWriterWins?: boolean } = {},
  ): Promise<Context.Document> {
    const d = await this.document(o.scope, o.name);
    const pointed = ops.map((op) => ({
      ...op,
      path: Context.pointer(op.path),
      ...("from" in op && typeof op.from === "string" ? { from: Context.pointer(op.from) } : {}),
    })) as Context.Op[];
    return this.api.contexts.patch(d.id, pointed, {
      ...(o.version === undefined ? {} : { ifMatch: o.version }),
      ...(o.lastWriterWins ? { lastWriterWins: true } : {}),
      causationId: `eap:${this.sessionId}`,
    });
  }

  /** The plan this task is part of. */
  async plan(): Promise<Plan.View> {
    const { plan } = await this.who();
    if (!plan) throw new Error("this task is not part of a plan");
    return this.api.plans.get(plan);
  }

  /** Add a task to the plan, to start once the tasks in `blockedBy` have finished. */
  async addTask(task: Plan.TaskAdd): Promise<Plan.Task> {
    return this.api.plans.add((await this.plan()).id, task);
  }

  /** Change a task of the plan that has not started. */
  async changeTask(key: string, change: Plan.TaskUpdate): Promise<Plan.Task> {
    return this.api.plans.change((await this.plan()).id, key, change);
  }
}
