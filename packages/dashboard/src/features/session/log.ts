import { type Event, type LiveState, type Watch, watch } from "@orchestrator/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useAuth } from "../../app/auth.tsx";
import { type Model, apply, empty } from "./fold.ts";

/**
 * A session's log, replayed from the start and then live, over its own WebSocket. Events are folded once
 * per animation frame: a replay of 10,000 events or a burst of 100/s is a few renders, not thousands.
 * The watch keeps its cursor, so a dropped socket resumes after the last event it delivered.
 */
export function useLog(id: string) {
  const { client, key } = useAuth();
  const qc = useQueryClient();
  const model = useRef<Model>(empty());
  const [version, setVersion] = useState(0);
  const [state, setState] = useState<LiveState>("connecting");
  const w = useRef<Watch | null>(null);

  useEffect(() => {
    model.current = empty();
    setVersion((v) => v + 1);
    let pending: Event[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      apply(model.current, batch);
      setVersion((v) => v + 1);
      // The row (status, lease, usage, actions) changes with these; the list of checkpoints with the last.
      if (batch.some((e) => e.type.startsWith("session.") || e.type.startsWith("approval.")))
        void qc.invalidateQueries({ queryKey: ["session", id] });
    };
    w.current = watch({
      url: client.url,
      key,
      session: id,
      after: 0,
      onEvent: (e) => {
        pending.push(e);
        frame ||= requestAnimationFrame(flush);
      },
      onState: (s) => setState(s),
    });
    return () => {
      cancelAnimationFrame(frame);
      w.current?.close();
      w.current = null;
    };
  }, [id, client, key, qc]);

  return { model: model.current, version, state, reconnect: () => w.current?.reconnect() };
}
