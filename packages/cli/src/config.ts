import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";

/**
 * Where the CLI finds its server and key. The only module that reads the environment: everything else
 * gets a resolved `Target`. Order, per field: flag, then environment, then the saved context, then the
 * default URL (there is no default key).
 */
export const defaultUrl = "http://127.0.0.1:7420";
export const defaultContext = "default";

/** A saved login: a server and a key, under a name (a "context", as in kubectl). */
export interface Login {
  url: string;
  key: string;
}

interface File {
  contexts: Record<string, Login>;
}

export interface Flags {
  url?: string;
  key?: string;
  context?: string;
}

export interface Target {
  url: string;
  key?: string;
  context: string;
  /** Where each came from, for messages and for `login` (which must not re-save a context's own key). */
  urlFrom: "flag" | "env" | "context" | "default";
  keyFrom: "flag" | "env" | "context" | "none";
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
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { contexts: {} };
    throw err;
  }
  // Checked by hand: the CLI depends only on the SDK and commander.
  // Files written before contexts were so named hold the same thing under "profiles".
  const parsed = JSON.parse(text) as (Partial<File> & { profiles?: File["contexts"] }) | null;
  const contexts = parsed?.contexts ?? parsed?.profiles ?? {};
  const valid = Object.values(contexts).every(
    (p) => typeof p?.url === "string" && typeof p?.key === "string",
  );
  if (typeof contexts !== "object" || !valid)
    throw new Error(`${file()} is not a valid config file: expected {"contexts": {name: {url, key}}}`);
  return { contexts };
}

/** NO_COLOR (https://no-color.org): plain output even on a terminal. */
export const noColor = (): boolean => env("NO_COLOR") !== undefined;

export function contextName(flags: Flags): string {
  return flags.context ?? env("ORCHESTRATOR_CONTEXT") ?? defaultContext;
}

export function resolve(flags: Flags): Target {
  const context = contextName(flags);
  const saved = read().contexts[context];
  const envUrl = env("ORCHESTRATOR_URL");
  const url = flags.url ?? envUrl ?? saved?.url ?? defaultUrl;
  const urlFrom = flags.url ? "flag" : envUrl ? "env" : saved ? "context" : "default";
  const envKey = env("ORCHESTRATOR_API_KEY");
  const key = flags.key ?? envKey ?? saved?.key;
  const keyFrom = flags.key ? "flag" : envKey ? "env" : saved ? "context" : "none";
  return { url, key, context, urlFrom, keyFrom };
}

/** Save a context with mode 0600: the file holds API keys. Written whole and renamed, so never half. */
export function save(name: string, login: Login): string {
  const target = file();
  mkdirSync(path.dirname(target), { recursive: true, mode: 0o700 });
  const current = read();
  current.contexts[name] = login;
  const tmp = `${target}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(current, null, 2) + "\n", { mode: 0o600 });
  chmodSync(tmp, 0o600); // mode is ignored if tmp already existed
  renameSync(tmp, target);
  return target;
}
