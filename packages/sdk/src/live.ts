import { type Event, isEvent } from "./event.ts";

/**
 * Live event streams over WebSocket, for browsers (and for Node with the `ws` package passed in).
 *
 * The server replays the log after a cursor and then goes live, with no gap between the two. A watch
 * keeps its cursor, so a dropped connection resumes exactly where it stopped: nothing is missed, and an
 * event that arrives twice (a replay overlapping what was already delivered) is dropped here.
 */
export type LiveState = "connecting" | "live" | "reconnecting" | "offline" | "ended";

/** The few members of a WebSocket a watch uses; the browser's and the `ws` package's both fit. */
export interface Socket {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(code?: number, reason?: string): void;
}
export type SocketFactory = (url: string, protocols: string[]) => Socket;

/**
 * The server ended the stream for good: it closes with 4000 + an HTTP status (4404 the session does not
 * exist, 4403 not allowed, 4422 an invalid cursor). Asking again would get the same answer, so a watch
 * stops there, in state "ended", with the server's reason.
 */
export const isFinalClose = (code: number) => code >= 4400 && code < 4500;

export interface WatchOptions {
  /** Base URL of the server (http or https); the socket uses ws or wss on the same host. */
  url: string;
  key?: string;
  /** A session id to follow its log by seq; omitted, every session of the tenant by event id. */
  session?: string;
  /** Deliver events after this cursor (seq for a session, id for the tenant). Omitted: a session from its
   * start, the tenant from now. */
  after?: number;
  onEvent: (event: Event) => void;
  /** `detail`: why the last connection ended, as the server said; with "ended", also `code` (e.g. 4404). */
  onState?: (state: LiveState, detail?: string, code?: number) => void;
  socket?: SocketFactory;
  /** Failed attempts in a row before the state reads offline rather than reconnecting. */
  offlineAfter?: number;
}

export interface Watch {
  /** The cursor of the last delivered event. */
  readonly after: number | undefined;
  /** Drop the connection and reconnect at once (what a "retry now" button does). */
  reconnect(): void;
  close(): void;
}

/** 250 ms doubling to 5 s, with jitter so a restarted server is not hit by every tab in the same instant. */
export function delay(failures: number, random = Math.random): number {
  const base = Math.min(250 * 2 ** failures, 5_000);
  return Math.round(base * (0.75 + random() * 0.5));
}

/** The subprotocol of the event sockets; the server answers with it, and only it. */
export const wsProtocol = "orchestrator.v1";
/** A key rides in the handshake as a second subprotocol, `orchestrator.key.<base64url of the key>`. */
export const wsKeyPrefix = "orchestrator.key.";

/**
 * The socket's URL: no credential in it, since URLs end up in browser consoles, proxy logs and history
 * (decision 10). The key goes in `protocols`.
 */
export function socketUrl(o: Pick<WatchOptions, "url" | "session">, after: number | undefined): string {
  const u = new URL(o.url.replace(/\/+$/, "") + (o.session ? `/ws/sessions/${o.session}` : "/ws/sessions"));
  u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
  // One message per batch of events: far fewer messages for a browser to receive during a replay.
  u.searchParams.set("batch", "1");
  if (after !== undefined) u.searchParams.set("after", String(after));
  return u.toString();
}

/** The subprotocols a socket offers: ours, then the key (a browser cannot set a header on a WebSocket). */
export function socketProtocols(key: string | undefined): string[] {
  return key ? [wsProtocol, wsKeyPrefix + base64url(key)] : [wsProtocol];
}

function base64url(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function watch(o: WatchOptions): Watch {
  const open: SocketFactory =
    o.socket ??
    ((url, protocols) =>
      new (globalThis as unknown as { WebSocket: new (u: string, p: string[]) => Socket }).WebSocket(
        url,
        protocols,
      ));
  const cursor = (e: Event) => (o.session ? e.seq : e.id);
  let after = o.after;
  let failures = 0;
  let socket: Socket | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const connect = () => {
    if (closed) return;
    o.onState?.(
      failures === 0 ? "connecting" : failures >= (o.offlineAfter ?? 4) ? "offline" : "reconnecting",
    );
    const s = open(socketUrl(o, after), socketProtocols(o.key));
    socket = s;
    let opened = false;
    s.onopen = () => {
      opened = true;
      failures = 0;
      o.onState?.("live");
    };
    s.onmessage = (m) => {
      let raw: unknown;
      try {
        raw = JSON.parse(String(m.data));
      } catch {
        return; // not JSON: nothing the server sends today, so skip it rather than end the stream
      }
      for (const item of Array.isArray(raw) ? raw : [raw]) {
        // Not zod's full parse: a replay is thousands of these (see isEvent).
        if (!isEvent(item)) continue;
        const event = item;
        if (after !== undefined && cursor(event) <= after) continue;
        after = cursor(event);
        o.onEvent(event);
      }
    };
    s.onerror = () => {}; // onclose follows, and carries what there is to say
    s.onclose = (ev) => {
      if (socket !== s) return;
      socket = null;
      if (closed) return;
      // No timer: the watch stays ended (reconnect() still asks again, when a person wants that).
      if (isFinalClose(ev.code)) return void o.onState?.("ended", ev.reason || undefined, ev.code);
      // Only a connection that never opened counts as a failure: one that opened and then dropped
      // reconnects at the shortest delay.
      if (!opened) failures++;
      const wait = delay(failures);
      o.onState?.(failures >= (o.offlineAfter ?? 4) ? "offline" : "reconnecting", ev.reason || undefined);
      timer = setTimeout(connect, wait);
    };
  };
  connect();

  return {
    get after() {
      return after;
    },
    reconnect() {
      clearTimeout(timer);
      const s = socket;
      socket = null;
      s?.close();
      failures = 0;
      connect();
    },
    close() {
      closed = true;
      clearTimeout(timer);
      socket?.close();
      socket = null;
    },
  };
}
