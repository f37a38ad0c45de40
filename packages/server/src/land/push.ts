import type { Forge } from "@orchestrator/sdk";
import { AppError } from "../error.ts";
import { GitError, git } from "../workspace/git.ts";
import { userFor } from "./remote.ts";

/** A push's answer, per ref, from `git push --porcelain`: its flag and git's summary or reason. */
export interface Line {
  flag: string;
  summary: string;
}

/**
 * Push `branch` of the user's repository to `url` under the same name. The remote is given by URL, not
 * added to the repository's config, so the user's repository is not changed. The token travels in an HTTP
 * header set through git's environment (GIT_CONFIG_*), scoped to the remote's origin: never in argv (which
 * any local user can list), never in the URL (which git prints), never in a log.
 */
export async function pushBranch(
  repo: string,
  remote: { url: string; forge: Forge | null },
  token: string | null,
  branch: string,
): Promise<{ outcome: "pushed" | "already"; commit: string }> {
  const ref = `refs/heads/${branch}`;
  const commit = (await git(repo, ["rev-parse", "--verify", `${ref}^{commit}`])).trim();
  const env: Record<string, string> = {};
  if (token) {
    const basic = Buffer.from(`${userFor(remote.forge)}:${token}`).toString("base64");
    Object.assign(env, {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: `http.${new URL(remote.url).origin}/.extraHeader`,
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
    });
  }
  let out: string;
  try {
    out = await git(repo, ["push", "--porcelain", remote.url, `${ref}:${ref}`], 120_000, env);
  } catch (err) {
    if (!(err instanceof GitError)) throw err;
    const line = parse(err.stdout).find((l) => l.flag === "!");
    if (line) throw rejected(branch, remote.url, line.summary);
    throw failed(remote.url, scrub(err.stderr, token));
  }
  const line = parse(out)[0];
  return { outcome: line?.flag === "=" ? "already" : "pushed", commit };
}

/** `--porcelain` prints `<flag>\t<from>:<to>\t<summary>` per ref between "To <url>" and "Done". */
export function parse(out: string): Line[] {
  return out
    .split("\n")
    .map((l) => l.split("\t"))
    .filter((f) => f.length >= 3 && f[0]!.length === 1)
    .map((f) => ({ flag: f[0]!, summary: f.slice(2).join("\t").trim() }));
}

/** The remote holds other work on that branch (or a hook declined): nothing was changed there. */
function rejected(branch: string, url: string, summary: string): AppError {
  return new AppError(
    "conflict",
    `the remote refused ${branch} ${summary}: its ${branch} holds work this branch does not have, or a hook declined it`,
    { reason: "push_rejected", remote: url, summary },
  );
}

/** The remote could not be reached or refused the credentials: git's own words, first lines only. */
function failed(url: string, stderr: string): AppError {
  const why = stderr
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, 3)
    .join("; ");
  return new AppError("upstream_failed", `pushing to ${url} failed: ${why || "git gave no reason"}`, {
    reason: "push_failed",
    remote: url,
  });
}

/** git never prints the header, but a token must not reach a response or a log even if some git did. */
export const scrub = (text: string, token: string | null) => (token ? text.split(token).join("***") : text);
