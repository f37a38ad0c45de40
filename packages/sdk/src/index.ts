export * from "./session.ts";
export * from "./event.ts";
export * from "./error.ts";
