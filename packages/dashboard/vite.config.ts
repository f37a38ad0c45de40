import react from "@vitejs/plugin-react";
import { type Plugin, defineConfig } from "vite";

// `vite` (dev) proxies the API and the streams to a server on the default port; `vite build` writes dist/,
// which the server serves on its own port.
const api = process.env.ORCHESTRATOR_URL ?? "http://127.0.0.1:7420";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react(), sessionCode()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 600 },
  server: {
    proxy: {
      "/api": api,
      "/ws": { target: api.replace(/^http/, "ws"), ws: true },
    },
  },
});

/**
 * Writes the paths of the session page's chunks into index.html's inline script (`sessionCode`), which
 * preloads them on a session link. Only chunks the page itself adds: the app's own are in the page already.
 */
function sessionCode(): Plugin {
  return {
    name: "session-code",
    transformIndexHtml: {
      order: "post",
      handler(html, ctx) {
        const chunks = Object.values(ctx.bundle ?? {}).flatMap((c) => (c.type === "chunk" ? [c] : []));
        const page = chunks.find((c) => c.facadeModuleId?.endsWith("/src/features/session/page.tsx"));
        if (!page) return html;
        const files = [page.fileName, ...page.imports].filter((f) => !html.includes(f)).map((f) => `/${f}`);
        const out = html.replace("const sessionCode = [];", `const sessionCode = ${JSON.stringify(files)};`);
        if (out === html) throw new Error("index.html has no `const sessionCode = [];` to fill in");
        return out;
      },
    },
  };
}
