import pino from "pino";
import { prettyFactory } from "pino-pretty";

export type Log = pino.Logger;

/** How log lines look: JSON lines for machines, or pino-pretty's coloured lines for a person. */
export type Format = "json" | "pretty";

/** `auto` is pretty on a terminal and JSON lines anywhere else (a pipe, a file, a log collector). */
export const format = (setting: "auto" | Format, tty = Boolean(process.stdout.isTTY)): Format =>
  setting === "auto" ? (tty ? "pretty" : "json") : setting;

// Standard output as one queue of writes, shared by every logger of the process and by `print`. pino's
// writes are asynchronous (libuv's thread pool): a line written to process.stdout meanwhile can land
// before a log line queued earlier, or between two lines of a text written line by line. Through this one
// queue, what `print` writes comes out whole and in order with the log lines around it.
let stdout: pino.DestinationStream | undefined;
const out = () => (stdout ??= pino.destination({ dest: 1, sync: false }));

export function create(level: string, as: Format = "json"): Log {
  const base = { svc: "orchestrator" };
  if (as === "json") return pino({ level, base }, out());
  // Formatted here, in the same turn as the call that logs (pino-pretty's own stream is a pipeline that
  // writes later): a line still goes out in the order it was logged. Colours when the terminal has them.
  const pretty = prettyFactory({ ignore: "pid,hostname,svc", translateTime: "SYS:HH:MM:ss.l" });
  return pino({ level, base }, { write: (line: string) => out().write(pretty(line)) });
}

/** Text for a person on standard output (the start-up banner), queued in order with the log lines. */
export const print = (text: string): void => void out().write(text);
