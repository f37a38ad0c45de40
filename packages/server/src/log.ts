import pino from "pino";

export type Log = pino.Logger;
export type Destination = pino.DestinationStream;

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

/** The process's logger; `to` replaces standard output (tests read what is logged). */
export function create(level: string, to?: Destination): Log {
  return pino(
    {
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
    },
    to,
  );
}
