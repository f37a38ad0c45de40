import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// `vite` (dev) proxies the API and the streams to a server on the default port; `vite build` writes dist/,
// which the server serves on its own port.
const api = process.env.ORCHESTRATOR_URL ?? "http://127.0.0.1:7420";

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 600 },
  server: {
    proxy: {
      "/api": api,
      "/ws": { target: api.replace(/^http/, "ws"), ws: true },
    },
  },
});
