import { createClient } from "@orchestrator/sdk";
import type { Target } from "../config.ts";

/** The Plans API for the CLI: the SDK client's `plans` (answers checked by the SDK's schemas). */
export type Api = ReturnType<typeof api>;

export type Action = "start" | "cancel" | "pause" | "resume";

export function api(target: Pick<Target, "url" | "key">) {
  return createClient({ url: target.url, key: target.key }).plans;
}
