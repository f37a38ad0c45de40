import { type Event, type LiveState, type Watch, watch } from "@orchestrator/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { useAuth } from "../../app/auth.tsx";
import { type Model, apply, empty } from "./fold.ts";

interface Early {
  key: string | undefined;
  watch: Watch;
  state: LiveState;
  events: Event[];
  take?: (e: Event) => void;
  onState?: (s: LiveState) => void;
}
const early = new Map<string, Early>();

/**
 * Opens a session's log before its page has rendered: main.tsx calls this for a session link opened
 * cold, so the replay is under way while the app signs in and renders, and useLog takes it over. One
 * not taken over within 10 s (its key was refused, or the page never showed) is closed.
 */
export function preopen(url: string, key: string | undefined, id: string): void {
  const e: Early = { key, state: "connecting", events: [], watch: undefined as unknown as Watch };
  e.watch = watch({
    url,
    key,
    session: id,
    after: 0,
    onEvent: (ev) => (e.take ? e.take(ev) : e.events.push(ev)),
    onState: (s) => {
      e.state = s;
      e.onState?.(s);
    },
  });
  early.set(id, e);
  setTimeout(() => {
    if (early.get(id) !== e) return;
    early.delete(id);
    e.watch.close();
  }, 10_000);
}

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
    const take = (e: Event) => {
      pending.push(e);
      frame ||= requestAnimationFrame(flush);
    };
    const pre = early.get(id);
    if (pre && pre.key === key) {
      // Opened before the page rendered (see preopen): take over its socket and what it has received.
      early.delete(id);
      Object.assign(pre, { take, onState: setState });
      setState(pre.state);
      pre.events.forEach(take);
      w.current = pre.watch;
    } else
      w.current = watch({ url: client.url, key, session: id, after: 0, onEvent: take, onState: setState });
    return () => {
      cancelAnimationFrame(frame);
      w.current?.close();
      w.current = null;
    };
  }, [id, client, key, qc]);

  return { model: model.current, version, state, reconnect: () => w.current?.reconnect() };
}
