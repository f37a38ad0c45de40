import { mkdirSync } from "node:fs";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { forge } from "../packages/server/test/forge.ts";
import { gitHttp } from "../packages/server/test/git-http.ts";
import { expect, gitRepo, settle, shot, test } from "./fixtures.ts";

// Push and pull request from the session page: a real bare repository behind `git http-backend` on
// loopback, and a scripted GitHub API that the server's real Octokit talks to.
const token = "tok-browser-9d1e";

test("set a project's remote, then push a finished session's branch and open its pull request", async ({
  signedIn: page,
  server,
}) => {
  const remotes = path.join(server.dir, "remotes");
  mkdirSync(path.join(remotes, "acme"), { recursive: true });
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", path.join(remotes, "acme", "app.git")]);
  const [remote, github] = await Promise.all([gitHttp(remotes, token), forge(token)]);
  try {
    const repo = gitRepo(server, "shop", { "README.md": "# shop\n" });
    expect((await server.api("/api/v1/projects", { json: { name: "shop", path: repo } })).status).toBe(201);

    // The remote is set on the Projects page; the token field is a password and never comes back.
    await page.goto(`${server.url}/projects?p=shop`);
    const card = page.locator("[data-remote]");
    await expect(card).toContainText("No remote");
    await card.getByRole("button", { name: "Set a remote" }).click();
    await card.getByLabel("Remote URL").fill("http://u:p@127.0.0.1/acme/app.git");
    await card.getByRole("button", { name: "Save remote" }).click();
    await expect(card).toContainText("credentials in the URL are not accepted");
    const url = `${remote.url}/acme/app.git`;
    await card.getByLabel("Remote URL").fill(url);
    await card.getByLabel("Token").fill(token);
    await card.getByLabel("Forge").selectOption("github");
    await card.getByLabel("API root").fill(github.url);
    await card.getByRole("button", { name: "Save remote" }).click();
    await expect(card).toContainText("Pull requests on GitHub (acme/app) · token set");
    await expect(page.locator("body")).not.toContainText(token);
    await shot(page, "project-remote");

    const script = [
      { tool: "write", args: { filePath: "hello.txt", content: "hello\n" } },
      { text: "Added hello.txt." },
    ];
    const { body } = await server.api("/api/v1/sessions", {
      json: {
        title: "Say hello",
        project: "shop",
        prompt: `Write hello.txt.\nFAKE_SCRIPT: ${JSON.stringify(script)}`,
      },
    });
    await settle(server, body.id, ["completed", "failed"], 90_000);
    await page.goto(`${server.url}/sessions/${body.id}`);
    const land = page.locator("[data-publish]");
    await expect(land).toContainText(
      `Push orchestrator/${body.id} to ${url} and open a pull request on GitHub`,
    );
    await land.getByRole("button", { name: "Push branch" }).click();
    await expect(land.getByRole("status")).toContainText(`Pushed orchestrator/${body.id} at`);
    await land.getByRole("button", { name: "Open pull request" }).click();
    const pr = land.locator("[data-pr]");
    await expect(pr).toContainText(`Pull request #1 is open: orchestrator/${body.id} → main.`);
    await expect(pr.getByRole("link", { name: "Pull request #1" })).toHaveAttribute(
      "href",
      `${github.url}/acme/app/pull/1`,
    );
    expect(github.prs[0]!.body).toContain(`/sessions/${body.id})`);
    const timeline = page.getByTestId("timeline").locator("[data-type='session.landing']");
    await expect(timeline.filter({ hasText: "pull request #1 for main" })).toBeVisible();
    await expect(timeline.filter({ hasText: `pushed orchestrator/${body.id} to ${url}` })).toBeVisible();
    await shot(page, "publish");
    await page.setViewportSize({ width: 390, height: 844 });
    await land.scrollIntoViewIfNeeded();
    await shot(page, "publish-phone");

    // Merged on the forge: the state is read again when the page loads.
    github.prs[0]!.state = "merged";
    await page.reload();
    await expect(page.locator("[data-pr]")).toContainText("is merged");
  } finally {
    await remote.close();
    await github.close();
  }
});

test("land a finished plan from its page: merge into the base, push, open a PR; each landing is listed", async ({
  signedIn: page,
  server,
}) => {
  const remotes = path.join(server.dir, "plan-remotes");
  mkdirSync(path.join(remotes, "acme"), { recursive: true });
  execFileSync("git", ["init", "-q", "--bare", "-b", "main", path.join(remotes, "acme", "mill.git")]);
  const [remote, github] = await Promise.all([gitHttp(remotes, token), forge(token)]);
  try {
    const repo = gitRepo(server, "mill", { "README.md": "# mill\n" });
    const url = `${remote.url}/acme/mill.git`;
    const project = await server.api("/api/v1/projects", {
      json: { name: "mill", path: repo, remote: { url, token, forge: "github", api: github.url } },
    });
    expect(project.status).toBe(201);
    const steps = [
      { tool: "write", args: { filePath: "gear.txt", content: "gear\n" } },
      { text: "made a gear" },
    ];
    const made = await server.api("/api/v1/plans", {
      json: {
        title: "Add a gear",
        goal: "The mill needs a gear.",
        project: "mill",
        start: true,
        tasks: [
          {
            key: "gear",
            title: "Make the gear",
            prompt: `Write gear.txt.\nFAKE_SCRIPT: ${JSON.stringify(steps)}`,
          },
        ],
      },
    });
    const id = made.body.id as string;
    const branch = `orchestrator/plan/${id}`;
    await expect
      .poll(async () => (await server.api(`/api/v1/plans/${id}`)).body.status, { timeout: 120_000 })
      .toBe("succeeded");

    await page.goto(`${server.url}/plans/${id}`);
    const land = page.locator("[data-land]");
    await expect(land).toContainText(`Merge ${branch} into main in your repository`);
    await land.getByRole("button", { name: "Merge into main" }).click();
    await expect(land.getByRole("status").first()).toContainText("Merged into main (fast-forward) at");
    expect(execFileSync("git", ["-C", repo, "show", "main:gear.txt"], { encoding: "utf8" })).toBe("gear\n");
    await land.getByRole("button", { name: "Push branch" }).click();
    await expect(land.locator("[data-publish]").getByRole("status").first()).toContainText(
      `Pushed ${branch} at`,
    );
    await land.getByRole("button", { name: "Open pull request" }).click();
    await expect(land.locator("[data-pr]")).toContainText(`Pull request #1 is open: ${branch} → main.`);
    expect(github.prs[0]!.body).toContain("- `gear` Make the gear: succeeded");
    expect(github.prs[0]!.body).toContain(`/plans/${id})`);

    const landings = page.locator("[data-landings] li");
    await expect(landings).toHaveCount(4);
    await expect(landings.nth(0)).toContainText(`pull request #1 for main: ${github.url}/acme/mill/pull/1`);
    await expect(landings.nth(3)).toContainText("merged into main (fast-forward) at");
    await land.scrollIntoViewIfNeeded();
    await shot(page, "plan-land");
    await page.setViewportSize({ width: 390, height: 844 });
    await land.scrollIntoViewIfNeeded();
    await shot(page, "plan-land-phone");
  } finally {
    await remote.close();
    await github.close();
  }
});
