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
  reconnect(): void;
}
const Ctx = createContext<Live>({ state: "connecting", reconnect() {} });
export const useLive = () => useContext(Ctx);

export function LiveProvider({ children }: { children: ReactNode }) {
  const { client, key } = useAuth();
  const qc = useQueryClient();
  const [state, setState] = useState<{ state: LiveState; detail?: string }>({ state: "connecting" });
  const w = useRef<ReturnType<typeof watch> | null>(null);

  useEffect(() => {
    let stale: ReturnType<typeof setTimeout> | undefined;
    let pending: Event[] = [];
    let wasDown = false;
    const flush = () => {
      stale = undefined;
      const batch = pending;
      pending = [];
      // Lists, counts and the attention queue change with a session's state or an approval, not with
      // what an agent says; a session's own row also carries its usage.
      const moves = batch.filter((e) => e.type.startsWith("session.") || e.type.startsWith("approval."));
      if (moves.length) {
        void qc.invalidateQueries({ queryKey: ["sessions"] });
        void qc.invalidateQueries({ queryKey: ["stats"] });
        void qc.invalidateQueries({ queryKey: ["attention"] });
      }
      const rows = [...moves, ...batch.filter((e) => e.type === "agent.usage")];
      for (const id of new Set(rows.map((e) => e.sessionId)))
        void qc.invalidateQueries({ queryKey: ["session", id] });
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
    <Ctx.Provider value={{ ...state, reconnect: () => w.current?.reconnect() }}>{children}</Ctx.Provider>
  );
}

const words: Record<LiveState, string> = {
  connecting: "connecting",
  live: "live",
  reconnecting: "reconnecting",
  offline: "offline",
  ended: "ended",
};
const tones: Record<LiveState, string> = {
  connecting: "queue",
  live: "run",
  reconnecting: "hold",
  offline: "bad",
  ended: "bad",
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
      {(live.state === "reconnecting" || live.state === "offline" || live.state === "ended") && (
        <button className="btn sm ghost" onClick={live.reconnect}>
          Retry now
        </button>
      )}
    </div>
  );
}
