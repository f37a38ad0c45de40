import { spawn } from "node:child_process";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A git remote over smart HTTP on loopback: real `git http-backend` run as CGI for each request, behind
 * Basic authentication. The bridge is the web server's part (what Apache or nginx would do), nothing more.
 */
export async function gitHttp(root: string, password: string) {
  const seen: { auth: string | null; path: string }[] = [];
  const server = createServer((req, res) => {
    seen.push({ auth: req.headers.authorization ?? null, path: req.url ?? "" });
    // Any user name with the right password, as GitHub and GitLab take a token.
    const given = Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString();
    if (given.slice(given.indexOf(":") + 1) !== password || !given.includes(":")) {
      res.writeHead(401, { "www-authenticate": 'Basic realm="git"' }).end("who are you?\n");
      return;
    }
    cgi(root, given.slice(0, given.indexOf(":")), req, res);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function cgi(root: string, user: string, req: IncomingMessage, res: ServerResponse) {
  const u = new URL(req.url ?? "/", "http://x");
  const child = spawn("git", ["http-backend"], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: "1",
      REMOTE_USER: user, // receive-pack (push) is allowed for an authenticated user
      REQUEST_METHOD: req.method ?? "GET",
      PATH_INFO: decodeURIComponent(u.pathname),
      QUERY_STRING: u.search.slice(1),
      CONTENT_TYPE: req.headers["content-type"] ?? "",
      ...(req.headers["content-encoding"] ? { HTTP_CONTENT_ENCODING: req.headers["content-encoding"] } : {}),
      ...(req.headers["git-protocol"] ? { GIT_PROTOCOL: String(req.headers["git-protocol"]) } : {}),
    },
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let sent = false;
  child.stdout.on("data", (chunk: Buffer) => {
    if (sent) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf("\r\n\r\n");
    if (end < 0) return;
    const headers: Record<string, string> = {};
    let status = 200;
    for (const line of head.subarray(0, end).toString().split("\r\n")) {
      const i = line.indexOf(":");
      const [k, v] = [line.slice(0, i).trim(), line.slice(i + 1).trim()];
      if (k.toLowerCase() === "status") status = Number(v.split(" ")[0]);
      else headers[k] = v;
    }
    res.writeHead(status, headers);
    res.write(head.subarray(end + 4));
    sent = true;
  });
  child.stdout.on("end", () => res.end());
  child.on("error", () => res.writeHead(500).end());
}
