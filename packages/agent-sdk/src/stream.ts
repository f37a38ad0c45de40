import type { Start } from "./agent.ts";

export const startStream: Start = async () => {
  throw new Error("stream mode (EAP over gRPC) is not built yet; use pull or push");
};
