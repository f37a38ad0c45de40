import { readFileSync } from "node:fs";
import { homedir, hostname, tmpdir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { Profile } from "./agent/opencode/profile.ts";

/**
 * All configuration, parsed once from the environment (and an optional JSON file named by
 * ORCHESTRATOR_CONFIG) into a frozen object. Nothing else reads process.env.
 */
export const Config = z
  .object({
    port: z.coerce.number().int().min(0).max(65535).default(7420),
    host: z.string().default("127.0.0.1"),
    /** Where agents reach us (A2A push notifications), when it is not the listening address. */
    publicUrl: z.url().optional(),
    /** EAP over gRPC. Unset: the HTTP port + 1 (7421), or any free port when `port` is 0; -1 turns it off. */
    grpcPort: z.coerce.number().int().min(-1).max(65535).optional(),
    dataDir: z.string().default(".orchestrator"),
    /** The built Control Room (`npm run build`); served at / on the API's port. */
    dashboardDir: z.string().default(path.resolve(import.meta.dirname, "../../dashboard/dist")),
    databaseUrl: z.string().optional(),
    nodeId: z.string().default(`${hostname()}-${process.pid}`),
    /** Serve without API keys. Refused unless host is a loopback address. */
    devNoAuth: z.boolean().default(false),
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
    /** JSON lines, or pino-pretty's lines for a person; `auto`: pretty when standard output is a terminal. */
    logFormat: z.enum(["auto", "json", "pretty"]).default("auto"),
    bodyLimitBytes: z.coerce.number().int().min(1024).default(1_048_576),
    /** The default tenant's repository roots: its projects and workspaces must lie inside one of these. */
    repoRoots: z.array(z.string()).default([homedir(), tmpdir()]),
    /**
     * Settings of other tenants, by tenant name; only the operator sets them (docs/decisions/0009). A tenant
     * not named here has no repository roots, so it can register no repository.
     */
    tenants: z
      .record(
        z.string().refine((name) => name !== "default", {
          message: "the default tenant's repository roots are repoRoots (ORCHESTRATOR_REPO_ROOTS)",
        }),
        z.object({ repoRoots: z.array(z.string().min(1)).default([]) }).strict(),
      )
      .default({}),
    /** OpenCode retries a failing LLM without end; a session gives up after this many of its retries. */
    llmMaxRetries: z.coerce.number().int().min(0).max(100).default(3),
    /** Worktrees of ended sessions without a project are removed after this many hours. */
    worktreeRetentionHours: z.coerce.number().int().min(0).default(72),
    /** A session's shared context documents are deleted this long after the session ends. */
    contextSessionHours: z.coerce.number().int().min(0).default(24),
    opencode: z
      .object({
        /** Servers the pool may run; each takes about 0.6 GB. */
        maxServers: z.coerce.number().int().min(1).max(64).default(2),
        /** Busy sessions per server; one server degrades above about 5 (reference/opencode.md §9). */
        sessionsPerServer: z.coerce.number().int().min(1).max(32).default(4),
        profiles: z.array(Profile).default([]),
        defaultProfile: z.string().optional(),
      })
      .prefault({}),
    /** Which real model providers have a key in the environment (the keys themselves stay there). */
    keys: z
      .object({ anthropic: z.boolean(), openai: z.boolean() })
      .default({ anthropic: false, openai: false }),
    /** The agent registry, routing and the External Agent Protocol. */
    agents: z
      .object({
        /** What EAP agents are told: heartbeat this often. */
        heartbeatIntervalMs: z.coerce.number().int().min(50).default(10_000),
        /** An agent silent for this long is offline, and the leases of its tasks run out with it. */
        heartbeatTtlMs: z.coerce.number().int().min(100).default(30_000),
        /** An assignment not taken (push not answered 202, pull not polled) for this long goes back. */
        ackMs: z.coerce.number().int().min(100).default(15_000),
        /** Timeout of one outbound call to an agent (push, A2A). */
        callTimeoutMs: z.coerce.number().int().min(100).default(10_000),
        /** Hosts or CIDR ranges that agent URLs may use although they are loopback, link-local or private. */
        allowHosts: z.array(z.string()).default([]),
        /** Registrations per tenant per minute. */
        registerPerMinute: z.coerce.number().int().min(1).default(30),
        breakerCoolDownMs: z.coerce.number().int().min(0).default(60_000),
        /** How long a long-poll for the next task may wait. */
        maxPollMs: z.coerce.number().int().min(100).default(30_000),
      })
      .prefault({}),
    /** Outbound webhooks (webhook/, docs/webhooks.md). */
    webhooks: z
      .object({
        /** Hosts or CIDR ranges webhook URLs may use although they are loopback, link-local or private. */
        allowHosts: z.array(z.string()).default([]),
        /** Timeout of one POST; a slower receiver fails that attempt. */
        timeoutMs: z.coerce.number().int().min(100).max(120_000).default(10_000),
        /** Attempts per event before its delivery is marked failed. */
        maxAttempts: z.coerce.number().int().min(1).max(30).default(8),
        /** The wait before attempt n + 1 is retryBaseMs · 2^(n − 1), at most retryCapMs. */
        retryBaseMs: z.coerce.number().int().min(0).default(10_000),
        retryCapMs: z.coerce
          .number()
          .int()
          .min(0)
          .default(60 * 60_000),
        /** How often a node looks for events to send and deliveries due, besides being woken by the log. */
        pollMs: z.coerce.number().int().min(10).default(1_000),
        /** Deliveries one node has in flight at once. */
        concurrency: z.coerce.number().int().min(1).max(100).default(8),
        /** Delivered and failed deliveries are deleted this many days after their last attempt. */
        retentionDays: z.coerce.number().int().min(1).default(30),
      })
      .prefault({}),
    engine: z
      .object({
        enabled: z.boolean().default(true),
        concurrency: z.coerce.number().int().min(1).max(1000).default(8),
        leaseMs: z.coerce.number().int().min(200).default(15_000),
        heartbeatMs: z.coerce.number().int().min(50).default(5_000),
        pollMs: z.coerce.number().int().min(10).default(1_000),
        reapMs: z.coerce.number().int().min(50).default(1_000),
        retryBaseMs: z.coerce.number().int().min(0).default(1_000),
        retryCapMs: z.coerce.number().int().min(0).default(60_000),
        shutdownGraceMs: z.coerce.number().int().min(0).default(10_000),
        /** A run whose agent emits no event for this long is stopped and retried (a hung agent or model). */
        stallMs: z.coerce
          .number()
          .int()
          .min(100)
          .default(10 * 60_000),
      })
      .prefault({}),
  })
  .strict();
export type Config = z.infer<typeof Config>;
export type ConfigInput = z.input<typeof Config>;

const envNames: Record<string, string[]> = {
  PORT: ["port"],
  HOST: ["host"],
  ORCHESTRATOR_GRPC_PORT: ["grpcPort"],
  ORCHESTRATOR_PUBLIC_URL: ["publicUrl"],
  ORCHESTRATOR_DATA_DIR: ["dataDir"],
  ORCHESTRATOR_DASHBOARD_DIR: ["dashboardDir"],
  DATABASE_URL: ["databaseUrl"],
  ORCHESTRATOR_NODE_ID: ["nodeId"],
  ORCHESTRATOR_DEV_NO_AUTH: ["devNoAuth"],
  LOG_LEVEL: ["logLevel"],
  ORCHESTRATOR_LOG_FORMAT: ["logFormat"],
  ORCHESTRATOR_REPO_ROOTS: ["repoRoots"],
  ORCHESTRATOR_LLM_MAX_RETRIES: ["llmMaxRetries"],
  ORCHESTRATOR_WORKTREE_RETENTION_HOURS: ["worktreeRetentionHours"],
  ORCHESTRATOR_CONTEXT_SESSION_HOURS: ["contextSessionHours"],
  ORCHESTRATOR_OPENCODE_SERVERS: ["opencode", "maxServers"],
  ORCHESTRATOR_OPENCODE_SESSIONS_PER_SERVER: ["opencode", "sessionsPerServer"],
  ORCHESTRATOR_DEFAULT_PROFILE: ["opencode", "defaultProfile"],
  ORCHESTRATOR_CONCURRENCY: ["engine", "concurrency"],
  ORCHESTRATOR_AGENT_HEARTBEAT_MS: ["agents", "heartbeatIntervalMs"],
  ORCHESTRATOR_AGENT_TTL_MS: ["agents", "heartbeatTtlMs"],
  ORCHESTRATOR_AGENT_ALLOW_HOSTS: ["agents", "allowHosts"],
  ORCHESTRATOR_WEBHOOK_ALLOW_HOSTS: ["webhooks", "allowHosts"],
  ORCHESTRATOR_WEBHOOK_TIMEOUT_MS: ["webhooks", "timeoutMs"],
  ORCHESTRATOR_WEBHOOK_MAX_ATTEMPTS: ["webhooks", "maxAttempts"],
  ORCHESTRATOR_LEASE_MS: ["engine", "leaseMs"],
  ORCHESTRATOR_HEARTBEAT_MS: ["engine", "heartbeatMs"],
  ORCHESTRATOR_POLL_MS: ["engine", "pollMs"],
  ORCHESTRATOR_REAP_MS: ["engine", "reapMs"],
  ORCHESTRATOR_RETRY_BASE_MS: ["engine", "retryBaseMs"],
  ORCHESTRATOR_RETRY_CAP_MS: ["engine", "retryCapMs"],
  ORCHESTRATOR_SHUTDOWN_GRACE_MS: ["engine", "shutdownGraceMs"],
  ORCHESTRATOR_STALL_MS: ["engine", "stallMs"],
};

/** Environment first applied over the file; explicit overrides (CLI flags, tests) win over both. */
export function load(overrides: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const file = env.ORCHESTRATOR_CONFIG ? JSON.parse(readFileSync(env.ORCHESTRATOR_CONFIG, "utf8")) : {};
  const fromEnv: Record<string, unknown> = {};
  for (const [name, keys] of Object.entries(envNames)) {
    const value = env[name];
    if (value === undefined || value === "") continue;
    let target = fromEnv;
    for (const key of keys.slice(0, -1)) target = (target[key] ??= {}) as Record<string, unknown>;
    target[keys.at(-1)!] =
      name === "ORCHESTRATOR_DEV_NO_AUTH"
        ? value === "1" || value === "true"
        : name === "ORCHESTRATOR_REPO_ROOTS"
          ? value.split(path.delimiter).filter(Boolean)
          : name === "ORCHESTRATOR_AGENT_ALLOW_HOSTS" || name === "ORCHESTRATOR_WEBHOOK_ALLOW_HOSTS"
            ? value
                .split(",")
                .map((h) => h.trim())
                .filter(Boolean)
            : value;
  }
  fromEnv.keys = { anthropic: Boolean(env.ANTHROPIC_API_KEY), openai: Boolean(env.OPENAI_API_KEY) };
  const merged = merge(merge(file, fromEnv), overrides as Record<string, unknown>);
  const config = Config.parse(merged);
  config.dataDir = path.resolve(config.dataDir);
  return Object.freeze(config);
}

function merge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v === undefined) continue;
    const prev = out[k];
    out[k] = isObject(prev) && isObject(v) ? merge(prev, v) : v;
  }
  return out;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The environment for child processes (git, agents): ours plus `extra`. Only this module reads process.env. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra };
}
