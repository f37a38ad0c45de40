import { tick } from "./events.ts";

/** Yielded when `news` settles: a person sent the session a message. */
export const mail: unique symbol = Symbol("mail");

export interface Wake {
  /** When it gives a number of ms, nothing arriving for that long yields `tick`. */
  quiet?: () => number | null;
  /** The next news (a message for the agent): its settling yields `mail`, then it is asked again. */
  news?: () => Promise<void>;
}

/**
 * Iterate until the signal aborts or `died` rejects, even if the source never yields again (a hung server),
 * with `tick` and `mail` in between (see `Wake`).
 */
export async function* untilAborted<T>(
  source: AsyncIterable<T>,
  signal: AbortSignal,
  died: Promise<never>,
  wake: Wake = {},
): AsyncGenerator<T | typeof tick | typeof mail> {
  const it = source[Symbol.asyncIterator]();
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
  aborted.catch(() => {}); // observed through the race below
  let pending: Promise<IteratorResult<T>> | null = null;
  let news: Promise<"news"> | null = null;
  try {
    for (;;) {
      pending ??= it.next(); // a call still under way after a tick is awaited again, never asked twice
      const ms = wake.quiet?.() ?? null;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const ticked =
        ms === null ? null : new Promise<"quiet">((r) => (timer = setTimeout(() => r("quiet"), ms)));
      news ??= wake.news?.().then(() => "news" as const) ?? null; // one at a time, as `pending`
      const next = await Promise.race([
        pending,
        aborted,
        died,
        ...(ticked ? [ticked] : []),
        ...(news ? [news] : []),
      ]).finally(() => clearTimeout(timer));
      if (next === "quiet") {
        yield tick;
        continue;
      }
      if (next === "news") {
        news = null;
        yield mail;
        continue;
      }
      pending = null;
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // The source is abandoned: a failure to close it is no news to anyone, and must not escape.
    void it.return?.()?.catch(() => {});
  }
}
