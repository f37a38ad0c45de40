export * from "./session.ts";
export * from "./event.ts";
export * from "./error.ts";
export * from "./client.ts";
export * as Sse from "./sse.ts";
export * from "./key.ts";
