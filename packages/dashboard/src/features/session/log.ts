import { type Client, type Event, type LiveState, type Watch, watch } from "@orchestrator/sdk";
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
 * The first page of a log opened before its page renders: enough to fill the screen many times.
 * index.html's inline script asks for the same page.
 */
const firstPage = 500;

/**
 * Opens a session's log before its page has rendered: main.tsx awaits this for a session link opened
 * cold, with the rest the first render needs. Its first page comes over HTTP (one request, where the
 * socket's first message waits for its handshake and for the main thread), then a socket continues after
 * it; useLog takes both over. One not taken over within 10 s (the page never showed) is closed.
 */
export async function preopen(
  client: Client,
  key: string | undefined,
  id: string,
  code: Promise<unknown>,
): Promise<void> {
  const e: Early = { key, state: "connecting", events: [], watch: undefined as unknown as Watch };
  // A failure here is the socket's to report (and retry), as when the page opens its own.
  e.events = await client.events.list(id, { after: 0, limit: firstPage }).catch(() => []);
  // The socket's replay of the rest waits for the page's code: on PGlite the server answers one request
  // at a time, and a replay under way delayed that code.
  await code;
  e.watch = watch({
    url: client.url,
    key,
    session: id,
    after: e.events.at(-1)?.seq ?? 0,
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
  const of = useRef("");
  // A session's first render starts from what a preopen has received, so a cold link's first render
  // already shows rows. Only read here (a render may be thrown away); the effect takes the log over.
  if (of.current !== id) {
    of.current = id;
    model.current = empty();
    const pre = early.get(id);
    if (pre && pre.key === key) apply(model.current, pre.events);
  }
  const [version, setVersion] = useState(0);
  const [state, setState] = useState<LiveState>("connecting");
  const w = useRef<Watch | null>(null);

  useEffect(() => {
    const m = model.current;
    let pending: Event[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const batch = pending;
      pending = [];
      apply(m, batch);
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
      // Opened before the page rendered (see preopen): take over its socket, and what it has received
      // since the render read it (the fold skips what it already holds).
      early.delete(id);
      Object.assign(pre, { take, onState: setState });
      setState(pre.state);
      pre.events.filter((e) => e.seq > m.lastSeq).forEach(take);
      w.current = pre.watch;
    } else
      // After what the model holds: nothing on a first open; on a new key, no event twice.
      w.current = watch({
        url: client.url,
        key,
        session: id,
        after: m.lastSeq,
        onEvent: take,
        onState: setState,
      });
    return () => {
      cancelAnimationFrame(frame);
      w.current?.close();
      w.current = null;
    };
  }, [id, client, key, qc]);

  return { model: model.current, version, state, reconnect: () => w.current?.reconnect() };
}
