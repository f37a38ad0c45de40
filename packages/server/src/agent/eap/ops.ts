import type { z } from "zod";
import { Eap } from "@orchestrator/sdk";
import type { Deps } from "../../api/deps.ts";
import type { Clock } from "../../clock.ts";
import { AppError } from "../../error.ts";
import * as Guard from "../../net/guard.ts";
import * as Registry from "../../registry/store.ts";

export type Register = (tenantId: string, input: z.output<typeof Eap.Register>) => Promise<Eap.Registered>;

const made = new WeakMap<Deps, Register>();

/**
 * Registration, the same over REST and gRPC: rate-limited per tenant (one budget for both), endpoint
 * through the SSRF guard.
 */
export function registrar(deps: Deps): Register {
  const known = made.get(deps);
  if (known) return known;
  const allow = Guard.allowlist(deps.config.agents.allowHosts);
  const limit = rateLimit(deps.config.agents.registerPerMinute, deps.clock);
  const cfg = deps.config.agents;
  const register: Register = async (tenantId, input) => {
    limit(tenantId);
    if (input.endpoint_url) await Guard.check(input.endpoint_url, allow, "body.endpoint_url");
    const { row, token, secret } = await Registry.register(
      deps.db,
      tenantId,
      input,
      cfg.heartbeatTtlMs,
      deps.clock.now(),
    );
    return {
      agent_id: row.id,
      status: "registered",
      auth_token: token,
      signing_secret: secret,
      heartbeat_interval_seconds: cfg.heartbeatIntervalMs / 1000,
      heartbeat_ttl_seconds: cfg.heartbeatTtlMs / 1000,
      protocol_version: Eap.protocolVersion,
    };
  };
  made.set(deps, register);
  return register;
}

/** Registrations per tenant in a sliding minute, on this node. */
function rateLimit(perMinute: number, clock: Clock): (tenantId: string) => void {
  const seen = new Map<string, number[]>();
  return (tenantId) => {
    const now = clock.now().getTime();
    const recent = (seen.get(tenantId) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= perMinute)
      throw new AppError(
        "rate_limited",
        `at most ${perMinute} agent registrations a minute; try again shortly`,
        { retryAfterMs: 60_000 - (now - recent[0]!) },
      );
    recent.push(now);
    seen.set(tenantId, recent);
  };
}
