import { useSyncExternalStore } from "react";

/** One shared 1 s ticker: every relative time on screen re-renders together, with one timer. */
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;
function subscribe(fn: () => void) {
  listeners.add(fn);
  timer ??= setInterval(() => {
    now = Date.now();
    for (const l of listeners) l();
  }, 1000);
  return () => {
    listeners.delete(fn);
    if (listeners.size) return;
    clearInterval(timer);
    timer = undefined;
  };
}
export const useNow = () => useSyncExternalStore(subscribe, () => now);

export function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** "12s ago" / "in 40s", ticking; the exact time is in the title and the datetime attribute. */
export function Ago({ at, prefix = "" }: { at: string | null | undefined; prefix?: string }) {
  const t = useNow();
  if (!at) return <span className="muted">—</span>;
  const d = Date.parse(at) - t;
  return (
    <time dateTime={at} title={new Date(at).toLocaleString()}>
      {prefix}
      {d > 1000 ? `in ${span(d)}` : `${span(-d)} ago`}
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
