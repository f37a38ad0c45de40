export { start, type Server, type Options } from "./server.ts";
export { load as loadConfig, type Config } from "./config.ts";
export type { Agent, AgentEvent, RunInput } from "./agent/agent.ts";
export { Fatal, RetryAfter } from "./agent/agent.ts";
export { scripted } from "./agent/scripted/scripted.ts";
export { open as openDb } from "./db/db.ts";
export { serve } from "./main.ts";
