import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { AppError } from "../../error.ts";

const require = createRequire(import.meta.url);

/**
 * The `opencode` binary from the pinned platform package (`opencode-<os>-<arch>[-baseline][-musl]`, an
 * optional dependency of `opencode-ai`). We resolve it ourselves instead of using `opencode-ai`'s bin,
 * which is a stub until its postinstall script has run (reference/opencode.md §1).
 */
export function resolve(platform = process.platform, arch = process.arch): string {
  const os = platform === "win32" ? "windows" : platform;
  const exe = os === "windows" ? "opencode.exe" : "opencode";
  const tried: string[] = [];
  for (const name of candidates(os, arch)) {
    tried.push(name);
    let dir: string;
    try {
      dir = path.dirname(require.resolve(`${name}/package.json`));
    } catch {
      continue; // not installed for this machine
    }
    const bin = path.join(dir, "bin", exe);
    if (existsSync(bin)) return bin;
  }
  throw new AppError(
    "unavailable",
    `no opencode binary installed for ${os}-${arch}; tried ${tried.join(", ")} (run npm ci)`,
  );
}

/** Builds without AVX2 (`-baseline`) run everywhere, so they come second, or first on CPUs that lack AVX2. */
function candidates(os: string, arch: string): string[] {
  const base = `opencode-${os}-${arch}`;
  const musl = os === "linux" && isMusl() ? "-musl" : "";
  const fast = [`${base}${musl}`, `${base}-baseline${musl}`];
  return arch === "x64" && !hasAvx2() ? fast.reverse() : fast;
}

function hasAvx2(): boolean {
  try {
    return /\bavx2\b/.test(readFileSync("/proc/cpuinfo", "utf8"));
  } catch {
    return true; // not Linux: let the first candidate run
  }
}

function isMusl(): boolean {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return !report?.header?.glibcVersionRuntime;
}
