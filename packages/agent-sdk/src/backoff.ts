/** Exponential backoff with full jitter: about `base`·2ⁿ, never more than `cap`. */
export function backoff(attempt: number, base = 250, cap = 30_000): number {
  const top = Math.min(cap, base * 2 ** Math.min(attempt, 20));
  return Math.round(top / 2 + (Math.random() * top) / 2);
}

/** Resolves after `ms`, or at once when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener("abort", done);
      resolve();
    }
    signal?.addEventListener("abort", done, { once: true });
  });
}
