import { type WebSocketLike, upgradeWebSocket } from "@hono/node-server";
import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { type SSEStreamingApi, streamSSE } from "hono/streaming";
import type { WSEvents } from "hono/ws";
import type { WebSocket } from "ws";
import { type Event, EventIdParam, SeqParam } from "@orchestrator/sdk";
import { AppError } from "../error.ts";
import type { App, Deps, Env } from "../api/deps.ts";
import { refusedValue, validation } from "../api/errors.ts";
import type { Log } from "../log.ts";
import * as Store from "../session/store.ts";
import { getPlan } from "../plan/store.ts";
import type { Want } from "./hub.ts";
import * as Events from "./log.ts";

/** A client this far behind is cut off; it reconnects with its position and replays from the log. */
const maxBuffered = 8 * 1024 * 1024;
const keepAliveMs = 15_000;

/** Events are shared by every subscriber in a process, so each is serialised once. */
const serialised = new WeakMap<Event, string>();
function text(e: Event): string {
  let s = serialised.get(e);
  if (s === undefined) serialised.set(e, (s = JSON.stringify(e)));
  return s;
}

class TooSlow extends Error {}

/**
 * SSE: the event's `id:` is its per-session seq, so a browser's Last-Event-ID resumes exactly. The
 * subscription is made before the response starts, so a failure to start (the database down) is an
 * error answer, which an EventSource does not retry, rather than a stream that ends at once and is
 * retried for ever. Nothing that fails later escapes: it is logged and ends this stream only.
 */
export async function sse(c: Context<Env>, deps: Deps, want: Want): Promise<Response> {
  const log = c.get("log");
  let opened!: (s: SSEStreamingApi) => void;
  const stream = new Promise<SSEStreamingApi>((r) => (opened = r));
  let ended!: () => void;
  const end = new Promise<void>((r) => (ended = r));
  const sub = await deps.hub.subscribe(
    want,
    // One write per batch: a replay of thousands of events is a few large writes, not thousands.
    async (events) => {
      const s = await stream;
      await s.write(events.map((e) => `id: ${e.seq}\nevent: ${e.type}\ndata: ${text(e)}\n\n`).join(""));
    },
    (err) => {
      log.error({ err }, "event stream failed; closing it");
      ended();
    },
  );
  deps.metrics.streams.inc();
  return streamSSE(c, async (s) => {
    // A write to a stream the client has left is dropped by Hono's stream, never thrown.
    const ping = setInterval(() => void s.write(": keep-alive\n\n"), keepAliveMs);
    try {
      s.onAbort(ended);
      opened(s);
      await end;
    } finally {
      clearInterval(ping);
      sub.close();
      deps.metrics.streams.dec();
    }
  });
}

/**
 * How a socket ends when its stream cannot start: browsers see no HTTP status of a refused handshake
 * (only "failed"), so the handshake is accepted and the socket closed at once with 4000 + the HTTP status
 * (4404 not found, 4422 invalid, 4403 forbidden) and the error's message as the reason. A client stops
 * reconnecting on those; 1011 (internal error) it retries.
 */
export function closeFor(err: unknown, log: Log): { code: number; reason: string } {
  const known = err instanceof AppError ? err : refusedValue(err);
  if (known && known.status < 500) return { code: 4000 + known.status, reason: reasonOf(known.message) };
  log.error({ err }, "event stream could not start");
  return { code: 1011, reason: "internal error" };
}

/** A close reason is at most 123 bytes of UTF-8 (ws throws past that). */
export function reasonOf(message: string): string {
  let out = message;
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -2) + "…";
  return out;
}

const Params = z.object({ id: z.uuid() });
const Query = z.object({ after: SeqParam.optional() });
const TenantQuery = z.object({ after: EventIdParam.optional() });

/** `?after=` within what its column holds, else a validation error naming `query.after`. */
function after<T extends z.ZodType<{ after?: number | undefined }>>(c: Context<Env>, schema: T) {
  const r = schema.safeParse({ after: c.req.query("after") });
  if (!r.success) throw validation("query", r.error);
  return (r.data as { after?: number }).after;
}

/**
 * WebSocket streams: every message is one event as JSON, or with `?batch=1` a JSON array of events (a
 * replay of 10,000 events is then about 20 messages instead of 10,000; a browser pays per message).
 * Whatever fails inside a socket's callbacks is caught here: logged, and that socket closed with a code and
 * a reason (1011 for our own failure). No client can take the process down.
 */
export function routes(app: App, deps: Deps): void {
  const socket = (want: (c: Context<Env>) => Promise<Want>) =>
    upgradeWebSocket(
      async (c): Promise<WSEvents<WebSocketLike>> => {
        const log = (c as Context<Env>).get("log") ?? deps.log;
        let w: Want;
        try {
          w = await want(c as Context<Env>);
        } catch (err) {
          const { code, reason } = closeFor(err, log);
          return { onOpen: (_evt, ws) => ws.close(code, reason) };
        }
        const batched = c.req.query("batch") === "1";
        let sub: { close(): void } | null = null;
        let closed = false;
        let counted = false;
        const fail = (ws: { close(code: number, reason: string): void }, err: unknown) => {
          if (err instanceof TooSlow)
            return ws.close(1013, "too far behind; reconnect with ?after=<last id>");
          log.error({ err }, "event socket failed; closing it");
          ws.close(1011, "internal error");
        };
        return {
          onOpen: async (_evt, ws) => {
            deps.metrics.streams.inc();
            counted = true;
            const raw = ws.raw as WebSocket;
            try {
              sub = await deps.hub.subscribe(
                w,
                (events) => {
                  if (raw.bufferedAmount > maxBuffered) throw new TooSlow("subscriber too slow");
                  if (batched) return void raw.send(`[${events.map(text).join(",")}]`);
                  // Corking the socket turns a batch of frames into one write syscall instead of one each.
                  const socket = (raw as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
                  socket?.cork();
                  try {
                    for (const e of events) raw.send(text(e));
                  } finally {
                    socket?.uncork();
                  }
                },
                (err) => fail(ws, err),
              );
              // The client may have gone while we subscribed.
              if (closed) sub.close();
            } catch (err) {
              fail(ws, err);
            }
          },
          onClose: () => {
            closed = true;
            sub?.close();
            if (counted) deps.metrics.streams.dec();
          },
          onError: (evt) => log.warn({ err: (evt as ErrorEvent).error }, "event socket error"),
        };
      },
      // What a callback throws synchronously; the callbacks above catch their own, so this is a last net.
      { onError: (err: unknown) => deps.log.error({ err }, "event socket callback failed") },
    );

  app.get(
    "/ws/sessions",
    // Without ?after= the stream starts live, at the head read before the handshake completes, so a
    // client sees every event committed after its connection opened.
    socket(async (c) => {
      const tenantId = c.get("principal").tenantId;
      return { tenantId, afterId: after(c, TenantQuery) ?? (await Events.head(deps.db, tenantId)) };
    }),
  );
  app.get(
    "/ws/plans/:id",
    // A plan's own log (its state and its tasks' states), replayed from ?after=<seq>, then live.
    socket(async (c) => {
      const p = Params.safeParse({ id: c.req.param("id") });
      if (!p.success) throw validation("param", p.error);
      const tenantId = c.get("principal").tenantId;
      await getPlan(deps.db, tenantId, p.data.id);
      return { tenantId, planId: p.data.id, afterSeq: after(c, Query) ?? 0 };
    }),
  );
  app.get(
    "/ws/sessions/:id",
    socket(async (c) => {
      const p = Params.safeParse({ id: c.req.param("id") });
      if (!p.success) throw validation("param", p.error);
      const { id } = p.data;
      const afterSeq = after(c, Query) ?? 0;
      const tenantId = c.get("principal").tenantId;
      await Store.get(deps.db, tenantId, id);
      return { tenantId, sessionId: id, afterSeq };
    }),
  );
}
