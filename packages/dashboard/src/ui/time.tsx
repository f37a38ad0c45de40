import { useSyncExternalStore } from "react";

/**
 * The server's clock minus this browser's, in ms. Every time on screen (created, lease expiry) is the
 * server's, so "now" is too: with a browser clock 30 s slow, a just-created session read "created in 30s"
 * and a live lease "expired". Measured once, from the Date header of one request (see `measure`).
 */
let skew = 0;
const read = () => Date.now() + skew;

/** One shared 1 s ticker: every relative time on screen re-renders together, with one timer. */
const listeners = new Set<() => void>();
let now = read();
let timer: ReturnType<typeof setInterval> | undefined;
let measured = false;
function subscribe(fn: () => void) {
  listeners.add(fn);
  if (!measured) {
    measured = true;
    void measure();
  }
  timer ??= setInterval(tick, 1000);
  return () => {
    listeners.delete(fn);
    if (listeners.size) return;
    clearInterval(timer);
    timer = undefined;
  };
}
function tick() {
  now = read();
  for (const l of listeners) l();
}
/**
 * The ticker only runs while something is subscribed, so between pages `now` is as old as the last tick
 * (minutes, after a page with no relative times): a page that mounts reads the time afresh, instead of
 * showing "created in 24s" until the first tick. It changes at most once a second, so React sees a stable
 * snapshot within a render.
 */
function snapshot() {
  const t = read();
  if (Math.abs(t - now) >= 1000) now = t;
  return now;
}
export const useNow = () => useSyncExternalStore(subscribe, snapshot);
/** The server's time now, as best this browser knows it. */
export const serverNow = read;

/**
 * The skew from the server's Date header (whole seconds): the server's clock was in [D, D + 1 s) at some
 * moment between sending the request and receiving the answer, which bounds the skew to an interval about
 * 1 s + the round trip wide. Clocks that agree within it are left alone; otherwise we take its middle.
 * A failure leaves the browser's clock in charge, as before.
 */
async function measure(): Promise<void> {
  try {
    const start = Date.now();
    const res = await fetch("/health/live", { method: "HEAD", cache: "no-store" });
    const end = Date.now();
    const date = Date.parse(res.headers.get("date") ?? "");
    if (!Number.isFinite(date)) return;
    const lo = date - end;
    const hi = date + 1000 - start;
    const next = lo <= 0 && hi >= 0 ? 0 : Math.round((lo + hi) / 2);
    if (next === skew) return;
    skew = next;
    tick();
  } catch {
    // Offline or refused: the browser's clock is the best we have, as it was before measuring.
  }
}

export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/**
 * "12s ago", ticking; the exact time is in the title and the datetime attribute. Things that happened
 * (created, ended, a heartbeat) never read as future: what the clocks cannot settle reads "0s ago".
 * `future` is for deadlines (a lease's expiry, a policy's answer), which read "in 40s" until they pass.
 */
export function Ago({
  at,
  prefix = "",
  future = false,
}: {
  at: string | null | undefined;
  prefix?: string;
  future?: boolean;
}) {
  const t = useNow();
  if (!at) return <span className="muted">—</span>;
  const d = Date.parse(at) - t;
  return (
    <time dateTime={at} title={new Date(at).toLocaleString()}>
      {prefix}
      {future && d >= 500 ? `in ${span(d)}` : `${span(Math.max(0, -d))} ago`}
    </time>
  );
}

// One formatter, made once: toLocaleTimeString with options builds a new one on every call.
const hms = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
  hour12: false,
});
export const clock = (at: string) => hms.format(new Date(at));
