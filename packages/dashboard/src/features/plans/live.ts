import { Sse } from "@orchestrator/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useAuth } from "../../app/auth.tsx";

/**
 * Follows a plan's own log (SSE, GET /api/v1/plans/{id}/events) while `on`: each entry (a task or the plan
 * changed state) refetches the plan's view, a burst at most every 250 ms. Reconnects with backoff from the
 * last entry seen. Says whether it is connected, so the page polls fast only when it is not.
 */
export function usePlanEvents(id: string, on: boolean): boolean {
  const { client, key } = useAuth();
  const qc = useQueryClient();
  const [live, setLive] = useState(false);
  useEffect(() => {
    if (!on) return;
    const stop = new AbortController();
    let last: string | undefined;
    let stale: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      stale ??= setTimeout(() => {
        stale = undefined;
        void qc.invalidateQueries({ queryKey: ["plan", id] });
      }, 250);
    };
    void (async () => {
      let delay = 500;
      while (!stop.signal.aborted) {
        try {
          const res = await fetch(`${client.url}/api/v1/plans/${encodeURIComponent(id)}/events`, {
            headers: {
              accept: "text/event-stream",
              ...(key ? { authorization: `Bearer ${key}` } : {}),
              ...(last ? { "last-event-id": last } : {}),
            },
            signal: stop.signal,
          });
          // A 4xx (the plan was deleted, the key revoked) will not heal: the poll carries on alone.
          if (res.status >= 400 && res.status < 500) return;
          if (!res.ok || !res.body) throw new Error(`${res.status}`);
          setLive(true);
          delay = 500;
          const p = Sse.parser();
          const reader = res.body.getReader();
          const text = new TextDecoder();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            for (const m of p.push(text.decode(value, { stream: true }))) {
              if (m.id) last = m.id;
              if (m.data) touch();
            }
          }
        } catch {
          // Dropped or refused: the poll covers the gap while this reconnects.
        }
        setLive(false);
        if (stop.signal.aborted) break;
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 5_000);
      }
    })();
    return () => {
      stop.abort();
      clearTimeout(stale);
      setLive(false);
    };
  }, [id, on, client, key, qc]);
  return live;
}
