import type { Event } from "@orchestrator/sdk";
import type { Deps } from "../../api/deps.ts";

/**
 * A session's log from `afterSeq` on, live, as an async iterator of batches (the hub replays what was
 * written before and continues without a gap). Ends when the consumer stops or `signal` aborts.
 */
export async function* follow(
  deps: Deps,
  tenantId: string,
  sessionId: string,
  afterSeq: number,
  signal?: AbortSignal,
): AsyncGenerator<Event[]> {
  const queue: Event[][] = [];
  let wake: (() => void) | null = null;
  const sub = await deps.hub.subscribe({ tenantId, sessionId, afterSeq }, (events) => {
    queue.push(events);
    wake?.();
  });
  const stop = () => wake?.();
  signal?.addEventListener("abort", stop);
  try {
    while (!signal?.aborted) {
      while (queue.length) yield queue.shift()!;
      await new Promise<void>((r) => (wake = r));
      wake = null;
    }
  } finally {
    signal?.removeEventListener("abort", stop);
    sub.close();
  }
}
