import type { MiddlewareHandler } from "hono";
import { AppError } from "../error.ts";
import type { Deps, Env } from "../api/deps.ts";
import { verify } from "./key.ts";

/**
 * The tenant always comes from the credential, never from a header the client picks. Browsers cannot set
 * headers on WebSocket or EventSource, so `?access_token=` is accepted too.
 */
export function authenticate(deps: Deps): MiddlewareHandler<Env> {
  return async (c, next) => {
    // EAP agents authenticate with their own token (X-Agent-Token), checked by those routes.
    if (/^\/api\/v1\/agents\/external\/[^/]+\//.test(c.req.path)) return next();
    // A2A push notifications carry the token we gave the agent; the run that waits checks it.
    if (/^\/api\/v1\/a2a\/push\/[^/]+$/.test(c.req.path)) return next();
    if (deps.config.devNoAuth) {
      c.set("principal", { tenantId: deps.defaultTenant, keyId: null, role: "admin" });
      return next();
    }
    const header = c.req.header("authorization");
    const presented =
      header?.match(/^Bearer\s+(.+)$/i)?.[1] ?? c.req.header("x-api-key") ?? c.req.query("access_token");
    if (!presented)
      throw new AppError("unauthorized", "an API key is required: send Authorization: Bearer <key>");
    const principal = await verify(deps.db, presented.trim());
    if (!principal) throw new AppError("unauthorized", "the API key is not valid or has been revoked");
    if (principal.role === "viewer" && !["GET", "HEAD"].includes(c.req.method)) {
      throw new AppError("forbidden", "this key is read-only (role viewer)");
    }
    c.set("principal", principal);
    return next();
  };
}
