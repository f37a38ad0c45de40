import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { AppError } from "../src/error.ts";
import { pushBranch } from "../src/land/push.ts";
import { git } from "../src/workspace/git.ts";
import { forge } from "./forge.ts";
import { gitHttp } from "./git-http.ts";
import { type TestServer, create, events, gitRepo, serve, settle } from "./harness.ts";

// Pushing to a real bare repository served by `git http-backend` on loopback, and opening pull requests
// through the real Octokit and Gitbeaker against a scripted forge.
const root = mkdtempSync(path.join(tmpdir(), "io-publish-"));
const token = "tok-3f9a8c71e2";
let remote: Awaited<ReturnType<typeof gitHttp>>;
beforeAll(async () => {
  mkdirSync(path.join(root, "remotes", "acme"), { recursive: true });
  await git(path.join(root, "remotes", "acme"), ["init", "-q", "--bare", "-b", "main", "app.git"]);
  remote = await gitHttp(path.join(root, "remotes"), token);
});
afterAll(async () => {
  await remote?.close();
  rmSync(root, { recursive: true, force: true });
});

const failure = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError & { details: Record<string, any> };
};

describe("git push", () => {
  test("with the token: pushed, then already; a wrong token fails without showing it; other work is refused", async () => {
    const repo = await gitRepo(path.join(root, "local"), { "a.txt": "a\n" });
    await git(repo, ["checkout", "-q", "-b", "orchestrator/one"]);
    const at = { url: `${remote.url}/acme/app.git`, forge: "github" as const };
    const p = await pushBranch(repo, at, token, "orchestrator/one");
    expect(p.outcome).toBe("pushed");
    const bare = path.join(root, "remotes", "acme", "app.git");
    expect((await git(bare, ["rev-parse", "refs/heads/orchestrator/one"])).trim()).toBe(p.commit);
    expect((await pushBranch(repo, at, token, "orchestrator/one")).outcome).toBe("already");
    // The token went as a header to that origin, never in a URL git could print.
    expect(remote.seen.every((s) => !s.path.includes(token))).toBe(true);

    const wrong = await failure(pushBranch(repo, at, "tok-wrong-000", "orchestrator/one"));
    expect(wrong.code).toBe("upstream_failed");
    expect(wrong.message).toContain("pushing to");
    expect(JSON.stringify(wrong.toJSON())).not.toContain("tok-wrong-000");

    // The remote's branch moved on with work this one lacks: refused, nothing changed there.
    const other = await gitRepo(path.join(root, "other"), { "b.txt": "b\n" });
    await git(other, ["checkout", "-q", "-b", "orchestrator/one"]);
    const before = (await git(bare, ["rev-parse", "refs/heads/orchestrator/one"])).trim();
    const refused = await failure(pushBranch(other, at, token, "orchestrator/one"));
    expect(refused.details).toMatchObject({ reason: "push_rejected" });
    expect((await git(bare, ["rev-parse", "refs/heads/orchestrator/one"])).trim()).toBe(before);
  }, 60_000);
});

describe("the push and pull-request actions", () => {
  let s: TestServer;
  let github: Awaited<ReturnType<typeof forge>>;
  let gitlab: Awaited<ReturnType<typeof forge>>;
  const logged: string[] = [];
  const repos = path.join(root, "served");
  beforeAll(async () => {
    [github, gitlab] = await Promise.all([forge(token), forge(token)]);
    const logTo = new Writable({ write: (chunk, _enc, done) => (logged.push(String(chunk)), done()) });
    s = await serve({
      config: {
        dataDir: path.join(root, "data"),
        repoRoots: [repos],
        agents: { allowHosts: ["127.0.0.1"] } as never,
        logLevel: "debug",
      },
      logTo,
    });
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
    await github?.close();
    await gitlab?.close();
  });

  test("a remote is checked, its token never shown; push, then a PR with a body from the session", async () => {
    const repo = await gitRepo(path.join(repos, "app"), { "README.md": "app\n" });
    const url = `${remote.url}/acme/app.git`;
    // Bad remotes are refused by field, and no project is left behind.
    for (const [bad, field] of [
      [{ url: `http://u:p@127.0.0.1:1/acme/app.git` }, "body.remote.url"],
      [{ url: "http://10.1.2.3/acme/app.git" }, "body.remote.url"],
      [{ url: "git@github.com:acme/app.git" }, "body.remote.url"],
      [{ url, forge: "gitlab", api: `${gitlab.url}/v3` }, "body.remote.api"],
    ] as const) {
      const r = await s.api("/api/v1/projects", {
        method: "POST",
        json: { name: "app", path: repo, remote: bad },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.error.details.issues[0].path).toBe(field);
    }
    const made = await s.api("/api/v1/projects", {
      method: "POST",
      json: { name: "app", path: repo, remote: { url, token, forge: "github", api: github.url } },
    });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body.remote).toEqual({
      url,
      forge: "github",
      api: github.url,
      repo: "acme/app",
      token: true,
    });
    expect(JSON.stringify(made.body)).not.toContain(token);
    expect(JSON.stringify((await s.api("/api/v1/projects/app")).body)).not.toContain(token);
    await git(repo, ["push", "-q", url, "main"], 30_000, {
      GIT_CONFIG_COUNT: "1",
      GIT_CONFIG_KEY_0: "http.extraHeader",
      GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString("base64")}`,
    });

    const script = [
      { tool: "write", args: { filePath: "hello.txt", content: "hello\n" } },
      { tool: "bash", args: { command: "cat hello.txt", description: "check the file" } },
      { text: "Added hello.txt and checked it." },
    ];
    const { id } = await create(s, {
      title: "Say hello",
      prompt: `Write hello.txt.\nFAKE_SCRIPT: ${JSON.stringify(script)}`,
      project: "app",
    });
    const done = await settle(s, id, ["completed", "failed"], 120_000);
    expect(done.status, JSON.stringify(done.error)).toBe("completed");
    const branch = `orchestrator/${id}`;

    const pushed = await s.api(`/api/v1/sessions/${id}/push`, { method: "POST" });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(200);
    expect(pushed.body).toMatchObject({ outcome: "pushed", branch, remote: url });
    const bare = path.join(root, "remotes", "acme", "app.git");
    expect((await git(bare, ["rev-parse", `refs/heads/${branch}`])).trim()).toBe(pushed.body.commit);

    const pr = await s.api(`/api/v1/sessions/${id}/pull-request`, { method: "POST" });
    expect(pr.status, JSON.stringify(pr.body)).toBe(200);
    expect(pr.body).toMatchObject({ forge: "github", number: 1, state: "open", head: branch, base: "main" });
    expect(pr.body.url).toBe(`${github.url}/acme/app/pull/1`);
    const sent = github.prs[0]!;
    expect(sent.title).toBe("Say hello");
    expect(sent.body).toContain("> Write hello.txt.");
    expect(sent.body).toContain("Added hello.txt and checked it.");
    expect(sent.body).toContain("`cat hello.txt`");
    expect(sent.body).toContain("`hello.txt` +1 −0");
    expect(sent.body).toMatch(/\d[\d,]* tokens, \$\d+\.\d{4}/);
    expect(sent.body).toContain(`/sessions/${id})`);
    expect(github.calls.every((c) => c.auth === `token ${token}`)).toBe(true);

    // Asking again finds the open PR; its state is read from the forge when the session's PR is read.
    const again = await s.api(`/api/v1/sessions/${id}/pull-request`, { method: "POST" });
    expect(again.body.number).toBe(1);
    expect(github.prs).toHaveLength(1);
    sent.state = "merged";
    const read = await s.api(`/api/v1/sessions/${id}/pull-request`);
    expect(read.body).toMatchObject({ number: 1, state: "merged" });

    // Another host without a token drops the old one; GitLab takes the merge request through Gitbeaker.
    const moved = await s.api("/api/v1/projects/app", {
      method: "PATCH",
      json: { remote: { url, forge: "gitlab", api: `${gitlab.url}/api/v4` } },
    });
    expect(moved.body.remote).toMatchObject({ forge: "gitlab", token: false });
    const noToken = await s.api(`/api/v1/sessions/${id}/pull-request`, { method: "POST" });
    expect(noToken.status).toBe(409);
    expect(noToken.body.error.details.reason).toBe("no_token");
    await s.api("/api/v1/projects/app", {
      method: "PATCH",
      json: { remote: { url, token, forge: "gitlab", api: `${gitlab.url}/api/v4` } },
    });
    const mr = await s.api(`/api/v1/sessions/${id}/pull-request`, { method: "POST" });
    expect(mr.status, JSON.stringify(mr.body)).toBe(200);
    expect(mr.body).toMatchObject({ forge: "gitlab", number: 1, state: "open" });
    expect(mr.body.url).toBe(`${gitlab.url}/acme/app/-/merge_requests/1`);
    expect(gitlab.calls[0]!.path).toContain("/api/v4/projects/acme%2Fapp/merge_requests");

    const landing = (await events(s, id)).filter((e) => e.type === "session.landing").map((e) => e.data);
    expect(landing.map((l) => `${l.how}:${l.outcome}`)).toEqual([
      "push:pushed",
      "push:already",
      "pr:opened",
      "push:already",
      "pr:opened",
      "push:already",
      "pr:opened",
    ]);
    expect(landing[2]).toMatchObject({ url: pr.body.url, number: 1, base: "main" });
    // Without a remote, pushing is refused in words; a session without a PR has none to read.
    await s.api("/api/v1/projects/app", { method: "PATCH", json: { remote: null } });
    const none = await s.api(`/api/v1/sessions/${id}/push`, { method: "POST" });
    expect(none.status).toBe(409);
    expect(none.body.error.details.reason).toBe("no_remote");
    expect(none.body.error.message).toContain("project app has no remote");
    const plain = await create(s, { prompt: "nothing to land", agent: "scripted" });
    expect((await s.api(`/api/v1/sessions/${plain.id}/pull-request`)).status).toBe(404);
    await settle(s, plain.id, ["completed"]);
    const noBranch = await s.api(`/api/v1/sessions/${plain.id}/push`, { method: "POST" });
    expect(noBranch.status).toBe(409);
    expect(noBranch.body.error.message).toContain("left no branch");

    // The token reached no log line and no event.
    expect(logged.join("")).not.toContain(token);
    expect(JSON.stringify(await events(s, id))).not.toContain(token);
  }, 180_000);
});
