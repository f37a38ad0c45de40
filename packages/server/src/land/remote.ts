import type { Forge, Remote, RemoteInput } from "@orchestrator/sdk";
import { AppError } from "../error.ts";

/** A project's remote as stored (the token lives in its own column, never in this). */
export type Stored = Omit<Remote, "token">;

const bad = (field: string, why: string) =>
  new AppError("validation_failed", `${field}: ${why}`, { issues: [{ path: field, message: why }] });

/**
 * What a remote the person gave means: its forge (from the host unless named), the forge's API root, and the
 * repository's path on it. Pure; the SSRF check of the hosts is the caller's (it resolves names).
 */
export function resolve(input: RemoteInput, field: string): Stored {
  const url = parse(input.url, `${field}.url`);
  if (url.username || url.password)
    throw bad(`${field}.url`, "credentials in the URL are not accepted: give them as token");
  const repo = url.pathname.replace(/^\/+|\/+$/g, "").replace(/\.git$/, "");
  if (!repo.includes("/")) throw bad(`${field}.url`, "name the repository: https://host/owner/name.git");
  const host = url.hostname.toLowerCase();
  const forge: Forge | null =
    input.forge ?? (host === "github.com" ? "github" : /(^|\.)gitlab\./.test(host) ? "gitlab" : null);
  if (input.api && !forge)
    throw bad(`${field}.forge`, "name the forge (github or gitlab) the api belongs to");
  if (input.api && forge === "gitlab" && !/\/api\/v4\/?$/.test(input.api))
    throw bad(`${field}.api`, "a GitLab API root ends in /api/v4");
  const api = input.api
    ? parse(input.api, `${field}.api`).href.replace(/\/+$/, "")
    : forge && defaultApi(forge, url);
  return { url: url.href, forge, api, repo };
}

/** GitHub.com's API has its own host; GitHub Enterprise and GitLab serve theirs under the same host. */
function defaultApi(forge: Forge, url: URL): string {
  if (forge === "github")
    return url.hostname === "github.com" ? "https://api.github.com" : `${url.origin}/api/v3`;
  return `${url.origin}/api/v4`;
}

function parse(raw: string, field: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad(field, "not a URL (ssh remotes are not supported: use the https URL and a token)");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw bad(field, "only http and https URLs");
  return url;
}

/**
 * Whether a token given earlier still goes with a changed remote: only when the remote and the API stay on
 * the same hosts, so pointing a project at another host never sends it the old token.
 */
export function keepsToken(before: Stored | null, after: Stored): boolean {
  if (!before) return false;
  const origin = (u: string | null) => (u ? new URL(u).origin : null);
  return origin(before.url) === origin(after.url) && origin(before.api) === origin(after.api);
}

/** The user name git sends with a token: each forge documents its own (any name works for GitLab). */
export function userFor(forge: Forge | null): string {
  return forge === "gitlab" ? "oauth2" : "x-access-token";
}
