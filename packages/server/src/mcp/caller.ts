import type { Deps } from "../api/deps.ts";
import type { Principal } from "../auth/key.ts";
import { principalOf } from "../auth/middleware.ts";
import type * as Credential from "../work/credential.ts";

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
  const principal = await principalOf(deps, bearer);
  if (principal.work)
    return { kind: "agent", principal: { ...principal, work: principal.work }, bearer: bearer! };
  return { kind: "person", principal, bearer: principal.keyId ? bearer! : null };
}

/** The same caller again: a connection stays with the credential that opened it. */
export function same(a: Caller, b: Caller): boolean {
  return a.kind === b.kind && a.bearer === b.bearer && a.principal.tenantId === b.principal.tenantId;
}
