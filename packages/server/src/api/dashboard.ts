import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { App, Deps } from "./deps.ts";

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
};

/** Paths the API owns: everything else is a page of the single-page app. */
const api = /^\/(api|ws|docs|health|metrics|openapi\.json|\.well-known)(\/|$)/;

/**
 * The Control Room, served from its build on the API's own port. Hashed assets are cached for a year;
 * index.html never is, so a new build is picked up on the next load. A path that is not a file is a
 * client-side route and gets index.html. Without a build, / says how to make one instead of a blank page.
 */
export function routes(app: App, deps: Deps): void {
  const root = deps.config.dashboardDir;
  const index = path.join(root, "index.html");
  app.get("*", async (c, next) => {
    if (api.test(c.req.path)) return next();
    if (!existsSync(index))
      return c.html(
        `<!doctype html><meta charset="utf-8"><title>Control Room not built</title>
<body style="font:14px monospace;background:#0a0a0a;color:#fafafa;padding:32px">
<h1>The Control Room is not built</h1><p>Run <code>npm run build</code> (or <code>npm start</code>, which builds it) and reload.
The API is up: <a style="color:#60a5fa" href="/docs">/docs</a>.</p><p>Looked in ${escape(root)}</p>`,
        503,
      );
    let rel: string;
    try {
      rel = path.normalize(decodeURIComponent(c.req.path)).replace(/^([/\\])+/, "");
    } catch {
      return next(); // a malformed escape names no file
    }
    const file = path.join(root, rel);
    // normalize() resolved any "..": a file outside the build is never read.
    if (rel && file.startsWith(root + path.sep) && existsSync(file) && statSync(file).isFile()) {
      const hashed = rel.startsWith("assets" + path.sep);
      const headers: Record<string, string> = {
        "content-type": types[path.extname(file)] ?? "application/octet-stream",
        "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
        vary: "accept-encoding",
      };
      if (compressible.test(file) && /\bgzip\b/.test(c.req.header("accept-encoding") ?? ""))
        return c.body(gzipped(file), 200, { ...headers, "content-encoding": "gzip" });
      return c.body(readFileSync(file), 200, headers);
    }
    if (rel.startsWith("assets" + path.sep)) return next(); // a missing asset is a 404, not the app
    return c.body(readFileSync(index), 200, { "content-type": types[".html"]!, "cache-control": "no-cache" });
  });
}

/** Text assets go out gzipped (a third of the bytes), compressed once per file and build. */
const compressible = /\.(js|css|html|map|json|svg)$/;
const zipped = new Map<string, { mtime: number; body: Uint8Array<ArrayBuffer> }>();
function gzipped(file: string): Uint8Array<ArrayBuffer> {
  const mtime = statSync(file).mtimeMs;
  const hit = zipped.get(file);
  if (hit?.mtime === mtime) return hit.body;
  const body = new Uint8Array(gzipSync(readFileSync(file), { level: 9 }));
  zipped.set(file, { mtime, body });
  return body;
}

const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
