import type { Deps } from "../api/deps.ts";
import { type Principal, verify } from "../auth/key.ts";
import { AppError } from "../error.ts";
import * as Credential from "../work/credential.ts";

/**
 * Who is on the other end of an MCP connection: a person's tool with an API key, or an agent the
 * orchestrator runs with its session's credential. `bearer` is what the MCP tools present to the REST API
 * on the caller's behalf, so every call meets the same roles, tenant and ownership checks as over REST.
 */
export type Caller =
  | { kind: "person"; principal: Principal; bearer: string | null }
  | { kind: "agent"; principal: Principal & { work: Credential.Work }; bearer: string };

export async function callerOf(deps: Deps, authorization: string | undefined): Promise<Caller> {
  const bearer = /^Bearer\s+(.+)$/i.exec(authorization ?? "")?.[1]?.trim();
  if (bearer && Credential.isCredential(bearer)) {
    const work = await Credential.verify(deps.db, bearer);
    if (!work)
      throw new AppError("unauthorized", "the session credential is not valid: its attempt has ended");
    return {
      kind: "agent",
      principal: { tenantId: work.tenantId, keyId: null, role: "member", work },
      bearer,
    };
  }
  if (deps.config.devNoAuth)
    return {
      kind: "person",
      principal: { tenantId: deps.defaultTenant, keyId: null, role: "admin" },
      bearer: null,
    };
  if (!bearer) throw new AppError("unauthorized", "an API key is required: send Authorization: Bearer <key>");
  const principal = await verify(deps.db, bearer, deps.clock.now());
  if (!principal) throw new AppError("unauthorized", "the API key is not valid or has been revoked");
  return { kind: "person", principal, bearer };
}

/** The same caller again: a connection stays with the credential that opened it. */
export function same(a: Caller, b: Caller): boolean {
  return a.kind === b.kind && a.bearer === b.bearer && a.principal.tenantId === b.principal.tenantId;
}
