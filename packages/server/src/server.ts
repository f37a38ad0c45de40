import { serve } from "@hono/node-server";
import { WebSocketServer } from "ws";
import type { AddressInfo } from "node:net";
import { type Config, type ConfigInput, load } from "./config.ts";
import { type Clock, system } from "./clock.ts";
import { open } from "./db/db.ts";
import * as Log from "./log.ts";
import * as Metrics from "./metrics.ts";
import * as Tenant from "./tenant/tenant.ts";
import * as Keys from "./auth/key.ts";
import * as Engine from "./engine/engine.ts";
import * as Hub from "./event/hub.ts";
import * as App from "./api/app.ts";
import type { Deps } from "./api/deps.ts";
import type { Agent } from "./agent/agent.ts";
import { scripted } from "./agent/scripted/scripted.ts";
import * as Opencode from "./agent/opencode/agent.ts";
import * as OpencodePool from "./agent/opencode/pool.ts";
import * as OpencodeName from "./agent/opencode/name.ts";
import * as Worktrees from "./workspace/worktree.ts";
import * as Retention from "./workspace/retention.ts";
import * as ContextSweep from "./context/sweep.ts";
import * as Plans from "./plan/service.ts";
import * as PlanTasks from "./plan/tasks.ts";
import * as Planning from "./plan/planning.ts";
import * as Sessions from "./session/store.ts";
import * as Profiles from "./agent/opencode/profile.ts";
import type { Catalog } from "./agent/opencode/profile.ts";
import * as Registry from "./registry/store.ts";
import * as Life from "./registry/life.ts";
import * as Waiters from "./agent/eap/waiters.ts";
import * as Push from "./agent/eap/push.ts";
import * as Grpc from "./agent/eap/grpc/server.ts";
import { registrar } from "./agent/eap/ops.ts";
import { a2a as A2a } from "./agent/a2a/client.ts";
import { serverConfig } from "./agent/opencode/config.ts";
import path from "node:path";
import { AppError } from "./error.ts";
import { wsProtocol } from "@orchestrator/sdk";
import * as Webhooks from "./webhook/worker.ts";

export interface Server {
  url: string;
  port: number;
  /** Where EAP over gRPC listens (host:port), unless turned off. */
  grpc: string | null;
  /** The admin key created on the very first start (shown once), if this start created it. */
  adminKey: string | null;
  deps: Deps;
  stop(): Promise<void>;
}

export interface Options {
  config?: ConfigInput;
  env?: NodeJS.ProcessEnv;
  clock?: Clock;
  agents?: Agent[];
  /** In-memory PGlite (tests and benchmarks). */
  memory?: boolean;
  /** With `memory`: a migrated database to start from (db.template()), which skips initdb. */
  template?: Blob;
  /** Where log lines go instead of standard output (tests read them). */
  logTo?: Log.Destination;
}

/** The registry rows of the agents this server runs itself: the scripted double, and one per OpenCode profile. */
function builtins(agents: Map<string, Agent>, profiles: Catalog, config: Config): Registry.Builtin[] {
  const out: Registry.Builtin[] = [];
  const scriptedAgent = agents.get("scripted");
  if (scriptedAgent)
    out.push({
      name: "scripted",
      kind: "scripted",
      label: scriptedAgent.label,
      description: "Follows instructions written in the prompt, for tests, benchmarks and demos.",
      capabilities: ["scripted"],
      capacity: config.engine.concurrency,
    });
  if (agents.has(OpencodeName.kind))
    for (const p of profiles.all())
      out.push({
        name: OpencodeName.agentOf(p.name),
        kind: OpencodeName.kind,
        label: p.label ?? `OpenCode profile ${p.name}`,
        description: `OpenCode (${p.agent} agent) on ${p.model}, in a git worktree of its own`,
        capabilities: [...new Set(["workspace", ...p.capabilities])],
        capacity: config.opencode.maxServers * config.opencode.sessionsPerServer,
      });
  return out;
}

const loopback = (host: string) => host === "localhost" || host === "::1" || host.startsWith("127.");

export async function start(opts: Options = {}): Promise<Server> {
  const config = load(opts.config, opts.env);
  if (config.devNoAuth && !loopback(config.host)) {
    throw new AppError("forbidden", `unauthenticated dev mode only serves on loopback, not ${config.host}`);
  }
  const log = Log.create(config.logLevel, Log.format(config.logFormat), opts.logTo);
  const clock = opts.clock ?? system;
  const db = await open({
    dataDir: config.dataDir,
    databaseUrl: config.databaseUrl,
    memory: opts.memory,
    template: opts.template,
    onError: (err, channel) => log.error({ err, channel }, "a notification handler failed"),
  });
  try {
    const defaultTenant = await Tenant.ensure(db, Tenant.defaultName);
    let adminKey: string | null = null;
    if (!config.devNoAuth && (await Keys.count(db)) === 0) {
      adminKey = (await Keys.create(db, defaultTenant, "admin (first start)", "admin")).key;
    }
    const metrics = Metrics.create();
    const profiles = Profiles.catalog(config.opencode.profiles, config.keys, config.opencode.defaultProfile);
    const pool = OpencodePool.create({
      home: path.join(config.dataDir, "opencode"),
      cwd: config.dataDir,
      max: config.opencode.maxServers,
      perServer: config.opencode.sessionsPerServer,
      config: (demoUrl) => serverConfig(demoUrl, profiles.providers()),
      log,
    });
    const worktrees = Worktrees.rootFor(config.dataDir);
    let loopbackUrl: string | null = null; // set once we listen: where our OpenCode servers reach MCP
    const opencode = Opencode.create({
      pool,
      profiles,
      worktrees,
      maxLlmRetries: config.llmMaxRetries,
      mcpUrl: () => (loopbackUrl ? `${loopbackUrl}/mcp` : null),
    });
    const agents = new Map((opts.agents ?? [scripted, opencode]).map((a) => [a.name, a]));
    // A2A agents are registered by card at run time; this node calls any of them.
    let reachable: string | null = config.publicUrl ?? null; // set once we listen
    if (!agents.has("a2a"))
      agents.set(
        "a2a",
        A2a(config, db, () => reachable, log),
      );
    await Registry.syncBuiltins(db, builtins(agents, profiles, config), clock.now());
    const hub = await Hub.create(db, log);
    const store: Sessions.Ctx = {
      db,
      now: () => clock.now(),
      policy: config.engine,
      onError: (err) => log.error({ err }, "telling a plan of its task's end failed"),
    };
    const plans: Plans.Deps = {
      db,
      now: () => clock.now(),
      log,
      launch: PlanTasks.launcher({ config, db, clock, defaultTenant, agents, profiles }),
      launchPlanner: Planning.launcher({ config, db, clock, defaultTenant, agents, profiles }),
      cancelSessions: async (tenantId, ids, reason, by) => {
        for (const id of ids)
          await Sessions.transition(store, id, { type: "cancel", reason }, { tenantId, reason, by }).catch(
            (err) => log.warn({ err, session: id }, "cancelling a plan's session failed"),
          );
      },
      later: (job) => void job().catch((err) => log.error({ err }, "a plan's after-commit work failed")),
    };
    store.ending = PlanTasks.ending(plans);
    const waiters = await Waiters.create(db, () => clock.now());
    const handOff = Push.pusher(store, config, log);
    const engine = config.engine.enabled
      ? await Engine.start({
          db,
          clock,
          log,
          agents,
          config,
          metrics,
          defaultProfile: profiles.default,
          handOff,
          store,
        })
      : null;
    // Drained agents leave, silent ones are marked offline.
    const sweep = setInterval(
      () => void Life.sweep(db, clock.now()).catch((err) => log.warn({ err }, "agent sweep failed")),
      config.engine.reapMs,
    );
    sweep.unref();
    // Expired context documents go every minute (context/sweep.ts).
    const expire = setInterval(
      () =>
        void ContextSweep.sweep(db, clock.now(), config.contextSessionHours).catch((err) =>
          log.warn({ err }, "context sweep failed"),
        ),
      60_000,
    );
    expire.unref();
    // Webhooks go out from every node; links in their payloads point where people reach us.
    const webhooks = await Webhooks.start({
      db,
      config,
      clock,
      log,
      metrics,
      base: () => reachable,
      graceMs: config.engine.shutdownGraceMs,
    });
    const deps: Deps = {
      config,
      db,
      clock,
      log,
      metrics,
      agents,
      hub,
      engine,
      defaultTenant,
      profiles,
      pool,
      store,
      waiters,
      plans,
      webhooks,
    };
    // Plans whose tasks' ends no node saw (a crash) are settled at start, then every minute as a net.
    const reconcilePlans = () =>
      void PlanTasks.reconcile(plans).catch((err) => log.error({ err }, "plan reconcile failed"));
    reconcilePlans();
    const planNet = setInterval(reconcilePlans, 60_000);
    planNet.unref();
    const app = App.create(deps);
    // Worktrees of long-ended sessions go; branches stay. At start, then every ten minutes.
    const retain = () =>
      void Retention.sweep(db, log, worktrees, clock.now(), config.worktreeRetentionHours).catch((err) =>
        log.warn({ err }, "worktree retention pass failed"),
      );
    retain();
    const retention = setInterval(retain, 10 * 60_000);
    retention.unref();
    const grpcPort = config.grpcPort ?? (config.port ? config.port + 1 : 0);
    const rpc = grpcPort < 0 ? null : await Grpc.start(deps, app, waiters, registrar(deps), grpcPort);
    // A browser names its key as a second subprotocol (decision 10): the answer is always ours, never that
    // one, so the key is not echoed back; a client offering no protocol of ours gets none.
    const wss = new WebSocketServer({
      noServer: true,
      handleProtocols: (offered) => (offered.has(wsProtocol) ? wsProtocol : false),
    });
    const http = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const s = serve(
        { fetch: app.fetch, port: config.port, hostname: config.host, websocket: { server: wss } },
        () => resolve(s),
      );
      s.once("error", reject);
    });
    // Longer than clients' keep-alive (undici: 4 s), so a client never reuses a socket we are closing.
    const node = http as unknown as { keepAliveTimeout: number; headersTimeout: number };
    node.keepAliveTimeout = 65_000;
    node.headersTimeout = 66_000;
    const port = (http.address() as AddressInfo).port;
    const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${port}`;
    reachable ??= url;
    // OpenCode runs on this machine: a server listening on every address is reached on loopback.
    loopbackUrl = ["0.0.0.0", "::"].includes(config.host) ? `http://127.0.0.1:${port}` : url;
    log.info(
      {
        url,
        grpc: rpc?.address,
        node: config.nodeId,
        database: db.kind,
        dataDir: db.kind === "pglite" ? config.dataDir : undefined,
      },
      "listening",
    );

    let stopped: Promise<void> | null = null;
    const stop = () =>
      (stopped ??= (async () => {
        // Order matters: stop taking requests and claims, let runs finish or hand them back, then close.
        clearInterval(retention);
        clearInterval(sweep);
        clearInterval(expire);
        clearInterval(planNet);
        const closing = new Promise<void>((r) => http.close(() => r()));
        for (const client of wss.clients) client.close(1001, "server shutting down");
        (http as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        await rpc?.stop();
        await engine?.stop();
        await webhooks.stop();
        await pool.stop();
        await hub.close();
        await waiters.stop();
        (http as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
        await closing;
        await db.close();
      })());
    return { url, port, grpc: rpc?.address ?? null, adminKey, deps, stop };
  } catch (err) {
    await db.close();
    throw err;
  }
}

export type { Deps } from "./api/deps.ts";
