import { createHash } from "node:crypto";
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
    const found = rel && file.startsWith(root + path.sep) && existsSync(file) && statSync(file).isFile();
    const asset = rel.startsWith("assets" + path.sep);
    if (!found && asset) return next(); // a missing asset is a 404, not the app
    // Any other path that is not a file is a page of the app: index.html.
    const served = found ? file : index;
    const headers: Record<string, string> = {
      "content-type": types[path.extname(served)] ?? "application/octet-stream",
      "cache-control": asset ? "public, max-age=31536000, immutable" : "no-cache",
      vary: "accept-encoding",
      "x-content-type-options": "nosniff",
      ...(served.endsWith(".html") ? guard(served) : {}),
    };
    if (compressible.test(served) && /\bgzip\b/.test(c.req.header("accept-encoding") ?? ""))
      return c.body(gzipped(served), 200, { ...headers, "content-encoding": "gzip" });
    return c.body(readFileSync(served), 200, headers);
  });
}

/**
 * A page's security headers. The browser keeps an admin key in localStorage, so script runs only from
 * this origin, plus the page's own inline scripts by hash (index.html's early requests); nothing loads
 * from elsewhere, and no other site may frame the page. Styles stay open to inline `style=` in markup.
 * Worked out once per build of the file.
 */
const guard = cached((file): Record<string, string> => {
  const hashes = [
    ...readFileSync(file, "utf8").matchAll(/<script(?![^>]*\ssrc=)[^>]*>([\s\S]*?)<\/script>/g),
  ].map((m) => `'sha256-${createHash("sha256").update(m[1]!).digest("base64")}'`);
  const csp = [
    "default-src 'self'",
    `script-src 'self' ${hashes.join(" ")}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
  return { "content-security-policy": csp, "referrer-policy": "no-referrer", "x-frame-options": "DENY" };
});

/** Text assets go out gzipped (a third of the bytes), compressed once per file and build. */
const compressible = /\.(js|css|html|map|json|svg)$/;
const gzipped = cached((file) => new Uint8Array(gzipSync(readFileSync(file), { level: 9 })));

/** `make(file)`, computed again only when the file's mtime changes (a new build). */
function cached<T>(make: (file: string) => T): (file: string) => T {
  const seen = new Map<string, { mtime: number; value: T }>();
  return (file) => {
    const mtime = statSync(file).mtimeMs;
    const hit = seen.get(file);
    if (hit?.mtime === mtime) return hit.value;
    const value = make(file);
    seen.set(file, { mtime, value });
    return value;
  };
}

const escape = (s: string) => s.replace(/[&<>"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
