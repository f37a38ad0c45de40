import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/**
 * Where the CLI finds its server and key. The only module that reads the environment: everything else
 * gets a resolved `Target`. Order, per field: flag, then environment, then the saved profile, then the
 * default URL (there is no default key).
 */
export const defaultUrl = "http://127.0.0.1:7420";
export const defaultProfile = "default";

export interface Profile {
  url: string;
  key: string;
}

interface File {
  profiles: Record<string, Profile>;
}

export interface Flags {
  url?: string;
  key?: string;
  profile?: string;
}

export interface Target {
  url: string;
  key?: string;
  profile: string;
  /** Where each came from, for messages and for `login` (which must not re-save a profile's own key). */
  urlFrom: "flag" | "env" | "profile" | "default";
  keyFrom: "flag" | "env" | "profile" | "none";
}

const env = (name: string): string | undefined => process.env[name] || undefined;

/** $XDG_CONFIG_HOME/orchestrator/config.json, else ~/.config/orchestrator/config.json. */
export function file(): string {
  const base = env("XDG_CONFIG_HOME") ?? path.join(homedir(), ".config");
  return path.join(base, "orchestrator", "config.json");
}

function read(): File {
  let text: string;
  try {
    text = readFileSync(file(), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { profiles: {} };
    throw err;
  }
  // Checked by hand: the CLI depends only on the SDK and commander.
  const parsed = JSON.parse(text) as Partial<File> | null;
  const profiles = parsed?.profiles ?? {};
  const valid = Object.values(profiles).every(
    (p) => typeof p?.url === "string" && typeof p?.key === "string",
  );
  if (typeof profiles !== "object" || !valid)
    throw new Error(`${file()} is not a valid config file: expected {"profiles": {name: {url, key}}}`);
  return { profiles };
}

export function profileName(flags: Flags): string {
  return flags.profile ?? env("ORCHESTRATOR_PROFILE") ?? defaultProfile;
}

export function resolve(flags: Flags): Target {
  const profile = profileName(flags);
  const saved = read().profiles[profile];
  const envUrl = env("ORCHESTRATOR_URL");
  const url = flags.url ?? envUrl ?? saved?.url ?? defaultUrl;
  const urlFrom = flags.url ? "flag" : envUrl ? "env" : saved ? "profile" : "default";
  const envKey = env("ORCHESTRATOR_API_KEY");
  const key = flags.key ?? envKey ?? saved?.key;
  const keyFrom = flags.key ? "flag" : envKey ? "env" : saved ? "profile" : "none";
  return { url, key, profile, urlFrom, keyFrom };
}

/** Save a profile with mode 0600: the file holds API keys. Written whole and renamed, so never half. */
export function save(name: string, profile: Profile): string {
  const target = file();
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  const current = read();
  current.profiles[name] = profile;
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(current, null, 2) + "\n", { mode: 0o600 });
  chmodSync(tmp, 0o600); // mode is ignored if tmp already existed
  renameSync(tmp, target);
  return target;
}
