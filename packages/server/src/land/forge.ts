import { Gitlab } from "@gitbeaker/rest";
import { Octokit } from "@octokit/rest";
import type { Forge } from "@orchestrator/sdk";
import { AppError } from "../error.ts";
import { scrub } from "./push.ts";

/** A pull request as a forge reports it. */
export interface Opened {
  number: number;
  url: string;
  state: "open" | "closed" | "merged";
}

/** What landing needs from a forge: open (or find the open) PR for a branch, and read one's state. */
export interface Client {
  open(p: { title: string; body: string; head: string; base: string }): Promise<Opened>;
  read(number: number): Promise<Opened>;
}

export interface Target {
  forge: Forge;
  api: string;
  repo: string;
}

const timeoutMs = 30_000;

/** A client for the project's forge, through its maintained library (Octokit, Gitbeaker). */
export function client(t: Target, token: string): Client {
  const c = t.forge === "github" ? github(t, token) : gitlab(t, token);
  // Whatever a forge answers, the caller sees our error with its words, never the token.
  const wrap =
    <A extends unknown[]>(what: string, f: (...a: A) => Promise<Opened>) =>
    (...a: A) =>
      f(...a).catch((err: unknown) => {
        throw failed(t, what, err, token);
      });
  return { open: wrap("opening a pull request", c.open), read: wrap("reading the pull request", c.read) };
}

function github(t: Target, token: string): Client {
  const o = new Octokit({ auth: token, baseUrl: t.api, userAgent: "industrial-orchestrator" });
  const [owner, repo] = t.repo.split("/") as [string, string];
  const request = () => ({ signal: AbortSignal.timeout(timeoutMs) });
  const state = (p: { state: string; merged_at?: string | null }): Opened["state"] =>
    p.merged_at ? "merged" : p.state === "open" ? "open" : "closed";
  return {
    async open(p) {
      // One PR per branch: an open one (from an earlier attempt, or opened by hand) is the answer.
      const found = await o.rest.pulls.list({
        owner,
        repo,
        head: `${owner}:${p.head}`,
        state: "open",
        request: request(),
      });
      const pr = found.data[0] ?? (await o.rest.pulls.create({ owner, repo, ...p, request: request() })).data;
      return { number: pr.number, url: pr.html_url, state: state(pr) };
    },
    async read(number) {
      const pr = (await o.rest.pulls.get({ owner, repo, pull_number: number, request: request() })).data;
      return { number: pr.number, url: pr.html_url, state: state(pr) };
    },
  };
}

function gitlab(t: Target, token: string): Client {
  const api = new Gitlab({ host: t.api.replace(/\/api\/v4\/?$/, ""), token, queryTimeout: timeoutMs });
  const state = (s: string): Opened["state"] =>
    s === "opened" ? "open" : s === "merged" ? "merged" : "closed";
  const opened = (m: { iid: number; web_url: string; state: string }): Opened => ({
    number: m.iid,
    url: m.web_url,
    state: state(m.state),
  });
  return {
    async open(p) {
      const found = await api.MergeRequests.all({ projectId: t.repo, sourceBranch: p.head, state: "opened" });
      if (found[0]) return opened(found[0]);
      return opened(await api.MergeRequests.create(t.repo, p.head, p.base, p.title, { description: p.body }));
    },
    async read(number) {
      return opened(await api.MergeRequests.show(t.repo, number));
    },
  };
}

/** The forge said no or did not answer: its status and message, for the person to act on. */
function failed(t: Target, what: string, err: unknown, token: string): AppError {
  const e = err as { status?: number; message?: string; cause?: { response?: { status?: number } } };
  const status = e.status ?? e.cause?.response?.status;
  const message = scrub(String(e.message ?? err), token)
    .split("\n")[0]!
    .slice(0, 300);
  return new AppError(
    "upstream_failed",
    `${what} on ${t.api} failed${status ? ` (${status})` : ""}: ${message}`,
    {
      reason: "forge_failed",
      forge: t.forge,
      ...(status ? { status } : {}),
    },
  );
}
