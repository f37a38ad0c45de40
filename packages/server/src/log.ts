import pino from "pino";

export type Log = pino.Logger;

export function create(level: string): Log {
  return pino({ level, base: { svc: "orchestrator" } });
}
