import type { Context, MiddlewareHandler } from "hono";
import { wsKeyPrefix } from "@orchestrator/sdk";
import { AppError } from "../error.ts";
import type { Deps, Env } from "../api/deps.ts";
import { type Principal, verify } from "./key.ts";
import * as Credential from "../work/credential.ts";
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
    const principal = await principalOf(deps, presentedKey(c)?.trim());
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
