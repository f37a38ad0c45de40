import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Live } from "@orchestrator/sdk";
import type { App, Deps } from "./deps.ts";

const require = createRequire(import.meta.url);

export function routes(app: App, deps: Deps): void {
  // Whether keys are needed rides along: a browser without a key asks here rather than have /api/v1/me
  // answer 401 (which it logs as an error) just to learn that it must sign in.
  const live: Live = { status: "ok", auth: deps.config.devNoAuth ? "off" : "key" };
  app.get("/health/live", (c) => c.json(live));

  /** Ready means: the database answers, and (when the engine runs here) its claim loop has ticked recently. */
  app.get("/health/ready", async (c) => {
    const checks: Record<string, { ok: boolean; detail?: string }> = {};
    try {
      await Promise.race([
        deps.db.ping(),
        new Promise((_, reject) => setTimeout(() => reject(new Error("timed out after 2 s")), 2000)),
      ]);
      checks.database = { ok: true };
    } catch (err) {
      checks.database = { ok: false, detail: (err as Error).message };
    }
    if (deps.engine) {
      const age = deps.clock.now().getTime() - deps.engine.lastTick();
      const limit = deps.config.engine.pollMs * 3 + 5000;
      checks.engine =
        age <= limit
          ? { ok: true, detail: `running ${deps.engine.running()}` }
          : { ok: false, detail: `claim loop silent for ${age} ms` };
    } else {
      checks.engine = { ok: true, detail: "disabled on this node" };
    }
    const ok = Object.values(checks).every((x) => x.ok);
    return c.json({ status: ok ? "ready" : "not_ready", checks }, ok ? 200 : 503);
  });

  app.get("/metrics", async (c) => {
    const rows = await deps.db.rows<{ status: string; n: number }>(
      sql`select status, count(*)::int as n from sessions where deleted_at is null group by status`,
    );
    deps.metrics.byStatus.reset();
    for (const r of rows) deps.metrics.byStatus.set({ status: r.status }, Number(r.n));
    return c.text(await deps.metrics.registry.metrics(), 200, {
      "content-type": deps.metrics.registry.contentType,
    });
  });

  // Swagger UI from the swagger-ui-dist package: no CDN, so the docs work offline.
  const dist = path.dirname(require.resolve("swagger-ui-dist/package.json"));
  const asset = (name: string) => readFileSync(path.join(dist, name));
  app.get("/docs", (c) => c.html(docsPage));
  app.get("/docs/swagger-ui.css", (c) =>
    c.body(asset("swagger-ui.css"), 200, { "content-type": "text/css" }),
  );
  app.get("/docs/swagger-ui-bundle.js", (c) =>
    c.body(asset("swagger-ui-bundle.js"), 200, { "content-type": "text/javascript" }),
  );
}

const docsPage = `<!doctype html><html><head><meta charset="utf-8"><title>Industrial Orchestrator API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>SwaggerUIBundle({ url: "/openapi.json", dom_id: "#ui", persistAuthorization: true });</script></body></html>`;
