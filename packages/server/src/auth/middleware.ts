import type { Context, MiddlewareHandler } from "hono";
import { wsKeyPrefix } from "@orchestrator/sdk";
import { AppError } from "../error.ts";
import type { Deps, Env } from "../api/deps.ts";
import { type Principal, verify } from "./key.ts";
import * as Credential from "../work/credential.ts";
import * as Registry from "../registry/store.ts";
import { reaches } from "../work/access.ts";

/**
 * The tenant always comes from the credential, never from a header the client picks. The key comes in
 * `Authorization: Bearer` (or `X-API-Key`); a browser's WebSocket, which cannot set headers, names it in
 * its subprotocols (`orchestrator.key.<base64url>`, decision 10). Only an SSE request for a session's
 * events still takes `?access_token=`: a browser's EventSource can send neither. Keys in URLs are never
 * logged (log.ts scrubs them).
 */
export function authenticate(deps: Deps): MiddlewareHandler<Env> {
  return async (c, next) => {
    // EAP agents authenticate with their own token (X-Agent-Token), checked by those routes.
    if (/^\/api\/v1\/agents\/external\/[^/]+\//.test(c.req.path)) return next();
    // A2A push notifications carry the token we gave the agent; the run that waits checks it.
    if (/^\/api\/v1\/a2a\/push\/[^/]+$/.test(c.req.path)) return next();
    const principal = c.req.header("x-agent-task")
      ? await agentPrincipal(deps, {
          id: c.req.header("x-agent-id"),
          token: c.req.header("x-agent-token"),
          task: c.req.header("x-agent-task"),
        })
      : await principalOf(deps, presentedKey(c)?.trim());
    if (principal.work && !reaches(principal.work, c.req.method, c.req.path))
      throw new AppError(
        "forbidden",
        "a session credential reaches only its work: shared context, its plan's tasks, its session, and /mcp",
      );
    if (principal.role === "viewer" && !["GET", "HEAD"].includes(c.req.method)) {
      throw new AppError("forbidden", "this key is read-only (role viewer)");
    }
    c.set("principal", principal);
    return next();
  };
}

/**
 * Who a presented credential is: an agent's session credential (held to its work even where people need
 * no key, in dev mode), else an API key. REST and MCP both ask here.
 */
export async function principalOf(deps: Deps, presented: string | undefined): Promise<Principal> {
  if (presented && Credential.isCredential(presented)) {
    const work = await Credential.verify(deps.db, presented);
    if (!work)
      throw new AppError("unauthorized", "the session credential is not valid: its attempt has ended");
    return { tenantId: work.tenantId, keyId: null, role: "member", work };
  }
  if (deps.config.devNoAuth) return { tenantId: deps.defaultTenant, keyId: null, role: "admin" };
  if (!presented)
    throw new AppError("unauthorized", "an API key is required: send Authorization: Bearer <key>");
  const principal = await verify(deps.db, presented, deps.clock.now());
  if (!principal) throw new AppError("unauthorized", "the API key is not valid or has been revoked");
  return principal;
}

/**
 * An EAP agent acting for one of its tasks with its own token (`x-agent-id`, `x-agent-token`,
 * `x-agent-task`): the work of that task, as the assignment's credential would be, while the agent holds
 * the task. gRPC's context and task calls come through here too (agent/eap/grpc/work.ts).
 */
export async function agentPrincipal(
  deps: Deps,
  a: { id: string | undefined; token: string | undefined; task: string | undefined },
): Promise<Principal> {
  const agent = await Registry.authenticate(deps.db, a.id ?? "", a.token);
  const work = await Credential.held(deps.db, agent.id, a.task ?? "");
  if (!work)
    throw new AppError(
      "lease_lost",
      `x-agent-task: ${a.task} is not a task this agent holds now (ended, cancelled or reassigned)`,
    );
  return { tenantId: work.tenantId, keyId: null, role: "member", work };
}

function presentedKey(c: Context<Env>): string | undefined {
  const bearer = c.req.header("authorization")?.match(/^Bearer\s+(.+)$/i)?.[1];
  if (bearer ?? c.req.header("x-api-key")) return bearer ?? c.req.header("x-api-key");
  if (c.req.path.startsWith("/ws/")) return fromProtocols(c.req.header("sec-websocket-protocol"));
  if (c.req.method === "GET" && /^\/api\/v1\/sessions\/[^/]+\/events$/.test(c.req.path))
    return c.req.query("access_token");
  return undefined;
}

/** The key a WebSocket handshake names as `orchestrator.key.<base64url>` among its subprotocols. */
export function fromProtocols(header: string | undefined): string | undefined {
  const named = header
    ?.split(",")
    .map((p) => p.trim())
    .find((p) => p.startsWith(wsKeyPrefix));
  return named ? Buffer.from(named.slice(wsKeyPrefix.length), "base64url").toString("utf8") : undefined;
}
