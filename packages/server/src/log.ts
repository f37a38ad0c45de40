import pino from "pino";
import { prettyFactory } from "pino-pretty";

export type Log = pino.Logger;
export type Destination = pino.DestinationStream;

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

/**
 * Credentials never reach a log line: an API key (`io_<prefix>_<secret>`: the prefix, which only finds the
 * key's row, is kept), an `access_token=` in a URL, or a key named in a WebSocket subprotocol.
 */
export function scrub(text: string): string {
  return text
    .replace(/\b(io_[0-9a-f]{12}_)[A-Za-z0-9_-]+/g, "$1[redacted]")
    .replace(/(access_token=)[^&#\s"']*/gi, "$1[redacted]")
    .replace(/(orchestrator\.key\.)[A-Za-z0-9_=-]+/g, "$1[redacted]");
}

/** Fields that may carry a URL, a header or an error message; `err` keeps pino's shape, scrubbed. */
const serializers: pino.LoggerOptions["serializers"] = {
  url: (v: unknown) => (typeof v === "string" ? scrub(v) : v),
  path: (v: unknown) => (typeof v === "string" ? scrub(v) : v),
  err: (e: unknown) => {
    const out = pino.stdSerializers.err(e as Error) as unknown as Record<string, unknown>;
    if (!out || typeof out !== "object") return out;
    for (const k of ["message", "stack"]) if (typeof out[k] === "string") out[k] = scrub(out[k] as string);
    return out;
  },
};

/** The process's logger, as `as` says; `to` replaces standard output (tests read what is logged). */
export function create(level: string, as: Format = "json", to?: Destination): Log {
  const options: pino.LoggerOptions = {
    level,
    base: { svc: "orchestrator" },
    serializers,
    // A message is scrubbed too: an interpolated URL or error text lands there.
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === "string" ? scrub(a) : a)) as typeof args;
        return method.apply(this, scrubbed);
      },
    },
  };
  if (to) return pino(options, to);
  if (as === "json") return pino(options, out());
  // Formatted here, in the same turn as the call that logs (pino-pretty's own stream is a pipeline that
  // writes later): a line still goes out in the order it was logged. Colours when the terminal has them.
  const pretty = prettyFactory({ ignore: "pid,hostname,svc", translateTime: "SYS:HH:MM:ss.l" });
  return pino(options, { write: (line: string) => out().write(pretty(line)) });
}

/** Text for a person on standard output (the start-up banner), queued in order with the log lines. */
export const print = (text: string): void => void out().write(text);
