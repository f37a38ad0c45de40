import { type Event, type LiveState, watch } from "@orchestrator/sdk";
import { useQueryClient } from "@tanstack/react-query";
import { type ReactNode, createContext, useContext, useEffect, useRef, useState } from "react";
import { useAuth } from "./auth.tsx";

/**
 * One tenant-wide WebSocket for the whole app. Lists, counts and the attention queue are queries; an event
 * marks them stale (at most every 400 ms, so a burst is one refetch). After a reconnect everything is
 * refetched, because events may have happened while the socket was down.
 */
interface Live {
  state: LiveState;
  detail?: string;
  /** The newest events, newest first (the overview's activity feed). */
  recent: Event[];
  reconnect(): void;
}
const Ctx = createContext<Live>({ state: "connecting", recent: [], reconnect() {} });
export const useLive = () => useContext(Ctx);

const keep = 50;

export function LiveProvider({ children }: { children: ReactNode }) {
  const { client, key } = useAuth();
  const qc = useQueryClient();
  const [state, setState] = useState<{ state: LiveState; detail?: string }>({ state: "connecting" });
  const [recent, setRecent] = useState<Event[]>([]);
  const w = useRef<ReturnType<typeof watch> | null>(null);

  useEffect(() => {
    let stale: ReturnType<typeof setTimeout> | undefined;
    let pending: Event[] = [];
    let wasDown = false;
    const flush = () => {
      stale = undefined;
      const batch = pending;
      pending = [];
      setRecent((r) => [...batch.reverse(), ...r].slice(0, keep));
      const ids = new Set(batch.map((e) => e.sessionId));
      void qc.invalidateQueries({ queryKey: ["sessions"] });
      void qc.invalidateQueries({ queryKey: ["stats"] });
      void qc.invalidateQueries({ queryKey: ["attention"] });
      if (batch.some((e) => e.type.startsWith("approval.")))
        void qc.invalidateQueries({ queryKey: ["approvals"] });
      for (const id of ids) void qc.invalidateQueries({ queryKey: ["session", id] });
    };
    w.current = watch({
      url: client.url,
      key,
      onEvent: (e) => {
        pending.push(e);
        stale ??= setTimeout(flush, 400);
      },
      onState: (s, detail) => {
        setState({ state: s, detail });
        if (s !== "live") wasDown = true;
        else if (wasDown) void qc.invalidateQueries();
      },
    });
    return () => {
      clearTimeout(stale);
      w.current?.close();
    };
  }, [client, key, qc]);

  return (
    <Ctx.Provider value={{ ...state, recent, reconnect: () => w.current?.reconnect() }}>
      {children}
    </Ctx.Provider>
  );
}

const words: Record<LiveState, string> = {
  connecting: "connecting",
  live: "live",
  reconnecting: "reconnecting",
  offline: "offline",
};
const tones: Record<LiveState, string> = {
  connecting: "queue",
  live: "run",
  reconnecting: "hold",
  offline: "bad",
};

/** The connection indicator: live, reconnecting or offline, with a retry-now button when it is not live. */
export function Connection() {
  const live = useLive();
  return (
    <div className="row" role="status" aria-live="polite" data-connection={live.state}>
      <span className={`badge tone-${tones[live.state]}`} title={live.detail}>
        <span className={`dot${live.state === "live" ? " pulse" : ""}`} aria-hidden="true" />
        {words[live.state]}
      </span>
      {(live.state === "reconnecting" || live.state === "offline") && (
        <button className="btn sm ghost" onClick={live.reconnect}>
          Retry now
        </button>
      )}
    </div>
  );
}
