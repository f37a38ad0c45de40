/**
 * Build the Control Room into dist/, unless dist is already newer than everything it is built from (the
 * dashboard's sources and the SDK's). `npm start` runs this first, so a fresh clone serves a current build
 * and a restart does not wait for an unchanged one. `--force` always builds.
 */
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { build } from "vite";

const here = import.meta.dirname;
const inputs = [
  path.join(here, "src"),
  path.join(here, "index.html"),
  path.join(here, "vite.config.ts"),
  path.join(here, "package.json"),
  path.join(here, "../sdk/src"),
];

function newest(p: string): number {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(p).map((f) => newest(path.join(p, f))));
}

const out = path.join(here, "dist/index.html");
const stale = !existsSync(out) || Math.max(...inputs.map(newest)) > statSync(out).mtimeMs;
if (process.argv.includes("--force") || stale) {
  const started = Date.now();
  await build({ configFile: path.join(here, "vite.config.ts"), logLevel: "warn" });
  console.log(`Control Room built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
