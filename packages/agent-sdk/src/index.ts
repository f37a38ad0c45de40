export { Agent, type Handler, type Options } from "./agent.ts";
export { type Task, type Outcome, type Question, Context, TaskFailed } from "./task.ts";
export { type Message, Unanswered } from "./inbox.ts";
export { type Credentials, Rest } from "./rest.ts";
export { Shared } from "./shared.ts";
export { sign, verify } from "./sign.ts";
export { backoff } from "./backoff.ts";
export { fromEnv } from "./config.ts";
