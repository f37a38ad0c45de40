import { type IncomingMessage, createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface Pr {
  number: number;
  title: string;
  body: string;
  head: string;
  base: string;
  state: "open" | "closed" | "merged";
}

/**
 * A scripted forge at the process boundary: the few GitHub REST and GitLab v4 routes landing calls, kept in
 * memory, each request recorded with its Authorization header. The real Octokit and Gitbeaker talk to it.
 */
export async function forge(token: string) {
  const prs: Pr[] = [];
  const calls: { method: string; path: string; auth: string | null }[] = [];
  const server = createServer(async (req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    calls.push({
      method: req.method ?? "",
      path: u.pathname + u.search,
      auth: req.headers.authorization ?? null,
    });
    const send = (status: number, body: unknown) =>
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    const auth = req.headers.authorization ?? req.headers["private-token"];
    if (auth !== `token ${token}` && auth !== `Bearer ${token}` && auth !== token)
      return send(401, { message: "Bad credentials" });
    const base = `http://${req.headers.host}`;
    // GitHub: /repos/{owner}/{repo}/pulls[/{n}]
    let m = /^\/repos\/([^/]+)\/([^/]+)\/pulls(?:\/(\d+))?$/.exec(u.pathname);
    if (m) {
      const gh = (p: Pr) => ({
        number: p.number,
        html_url: `${base}/${m![1]}/${m![2]}/pull/${p.number}`,
        state: p.state === "open" ? "open" : "closed",
        merged_at: p.state === "merged" ? "2026-12-06T00:00:00Z" : null,
        title: p.title,
        body: p.body,
      });
      if (req.method === "GET" && m[3]) {
        const p = prs.find((x) => x.number === Number(m![3]));
        return p ? send(200, gh(p)) : send(404, { message: "Not Found" });
      }
      if (req.method === "GET") {
        const head = u.searchParams.get("head")?.split(":")[1];
        return send(200, prs.filter((p) => p.head === head && p.state === "open").map(gh));
      }
      const b = (await json(req)) as Pr;
      if (b.base === "missing")
        return send(422, { message: "Validation Failed", errors: [{ field: "base" }] });
      const p: Pr = {
        number: prs.length + 1,
        title: b.title,
        body: b.body,
        head: b.head,
        base: b.base,
        state: "open",
      };
      prs.push(p);
      return send(201, gh(p));
    }
    // GitLab: /api/v4/projects/{id}/merge_requests[/{iid}]
    m = /^\/api\/v4\/projects\/([^/]+)\/merge_requests(?:\/(\d+))?$/.exec(u.pathname);
    if (m) {
      const gl = (p: Pr) => ({
        iid: p.number,
        web_url: `${base}/${decodeURIComponent(m![1]!)}/-/merge_requests/${p.number}`,
        state: p.state === "open" ? "opened" : p.state,
        title: p.title,
        description: p.body,
      });
      if (req.method === "GET" && m[2]) {
        const p = prs.find((x) => x.number === Number(m![2]));
        return p ? send(200, gl(p)) : send(404, { message: "404 Not found" });
      }
      if (req.method === "GET")
        return send(
          200,
          prs.filter((p) => p.head === u.searchParams.get("source_branch") && p.state === "open").map(gl),
        );
      const b = (await json(req)) as Record<string, string>;
      const p: Pr = {
        number: prs.length + 1,
        title: b.title!,
        body: b.description ?? "",
        head: b.source_branch!,
        base: b.target_branch!,
        state: "open",
      };
      prs.push(p);
      return send(201, gl(p));
    }
    send(404, { message: "Not Found" });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, prs, calls, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function json(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString();
  return text ? JSON.parse(text) : {};
}
