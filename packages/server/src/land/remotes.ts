import type { RemoteInput } from "@orchestrator/sdk";
import type { Deps } from "../api/deps.ts";
import type { Config } from "../config.ts";
import * as Guard from "../net/guard.ts";
import type { RemoteChange, Row } from "../project/store.ts";
import { type Stored, keepsToken, resolve } from "./remote.ts";

const field = "body.remote";

/**
 * A remote given in a project request, checked: its meaning (remote.ts), and its hosts against internal
 * addresses as agent endpoints are (net/guard.ts). A token left out stays only while the hosts stay.
 */
export async function change(deps: Deps, input: RemoteInput, before: Row | null): Promise<RemoteChange> {
  const stored = resolve(input, field);
  await guard(deps, stored, field);
  const keep = keepsToken(before?.remote ?? null, stored);
  const token = input.token ?? (keep ? (before?.remoteToken ?? null) : null);
  return { stored, token };
}

/** Checked again before each push and API call: DNS may have changed since the project was saved. */
export async function guard(deps: { config: Pick<Config, "agents"> }, r: Stored, at: string): Promise<void> {
  const allow = Guard.allowlist(deps.config.agents.allowHosts);
  await Guard.check(r.url, allow, `${at}.url`);
  if (r.api) await Guard.check(r.api, allow, `${at}.api`);
}
