import type { Options } from "./agent.ts";

/**
 * An agent's settings from the environment, the one place the SDK reads it (the examples use it):
 * ORCHESTRATOR_URL, ORCHESTRATOR_API_KEY, ORCHESTRATOR_GRPC, EAP_NAME, EAP_MODE, EAP_CREDENTIALS.
 * `base` gives what the environment does not (name and capabilities at least).
 */
export function fromEnv(base: Omit<Options, "url"> & { url?: string }, env = process.env): Options {
  const mode = env.EAP_MODE;
  if (mode && !["pull", "push", "stream"].includes(mode))
    throw new Error(`EAP_MODE: pull, push or stream, not ${mode}`);
  return {
    ...base,
    url: env.ORCHESTRATOR_URL ?? base.url ?? "http://127.0.0.1:7420",
    apiKey: env.ORCHESTRATOR_API_KEY ?? base.apiKey,
    name: env.EAP_NAME ?? base.name,
    mode: (mode as Options["mode"]) ?? base.mode,
    credentialsFile: env.EAP_CREDENTIALS ?? base.credentialsFile,
    grpc: env.ORCHESTRATOR_GRPC ?? base.grpc,
  };
}
