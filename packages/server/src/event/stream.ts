import { upgradeWebSocket } from "@hono/node-server";
import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { WebSocket } from "ws";
import { AppError } from "../error.ts";
import type { App, Deps, Env } from "../api/deps.ts";
import * as Store from "../session/store.ts";
import type { Event } from "@orchestrator/sdk";
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

/** SSE: the event's `id:` is its per-session seq, so a browser's Last-Event-ID resumes exactly. */
export function sse(c: Context<Env>, deps: Deps, want: Want): Response {
  return streamSSE(c, async (stream) => {
    deps.metrics.streams.inc();
    let failed: unknown = null;
    const sub = await deps.hub.subscribe(
      want,
      // One write per batch: a replay of thousands of events is a few large writes, not thousands.
      async (events) =>
        void (await stream.write(
          events.map((e) => `id: ${e.seq}\nevent: ${e.type}\ndata: ${text(e)}\n\n`).join(""),
        )),
      (err) => (failed = err),
    );
    const ping = setInterval(() => void stream.write(": keep-alive\n\n"), keepAliveMs);
    await new Promise<void>((resolve) => {
      stream.onAbort(resolve);
      const check = setInterval(() => failed && (clearInterval(check), resolve()), 1000);
      stream.onAbort(() => clearInterval(check));
    });
    clearInterval(ping);
    sub.close();
    deps.metrics.streams.dec();
  });
}

const after = (c: Context<Env>): number | undefined => {
  const raw = c.req.query("after");
  if (raw === undefined) return undefined;
  if (!/^\d{1,15}$/.test(raw))
    throw new AppError("validation_failed", "query.after: a non-negative integer", {
      issues: [{ path: "query.after", message: "not a non-negative integer" }],
    });
  return Number(raw);
};

/**
 * WebSocket streams: every message is one event as JSON, or with `?batch=1` a JSON array of events (a
 * replay of 10,000 events is then about 20 messages instead of 10,000; a browser pays per message).
 */
export function routes(app: App, deps: Deps): void {
  const socket = (want: (c: Context<Env>) => Promise<Want>) =>
    upgradeWebSocket(async (c) => {
      const w = await want(c as Context<Env>);
      const batched = c.req.query("batch") === "1";
      let sub: { close(): void } | null = null;
      let closed = false;
      return {
        onOpen: async (_evt, ws) => {
          deps.metrics.streams.inc();
          const raw = ws.raw as WebSocket;
          sub = await deps.hub.subscribe(
            w,
            (events) => {
              if (raw.bufferedAmount > maxBuffered) throw new Error("subscriber too slow");
              // Corking the socket turns a batch of frames into one write syscall instead of one each.
              const socket = (raw as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
              if (batched) {
                raw.send(`[${events.map(text).join(",")}]`);
                return;
              }
              socket?.cork();
              for (const e of events) raw.send(text(e));
              socket?.uncork();
            },
            () => ws.close(1013, "too far behind; reconnect with ?after=<last id>"),
          );
          // The client may have gone while we subscribed.
          if (closed) sub.close();
        },
        onClose: () => {
          closed = true;
          sub?.close();
          deps.metrics.streams.dec();
        },
      };
    });

  app.get(
    "/ws/sessions",
    // Without ?after= the stream starts live, at the head read before the handshake completes, so a
    // client sees every event committed after its connection opened.
    socket(async (c) => {
      const tenantId = c.get("principal").tenantId;
      return { tenantId, afterId: after(c) ?? (await Events.head(deps.db, tenantId)) };
    }),
  );
  app.get(
    "/ws/sessions/:id",
    socket(async (c) => {
      const id = c.req.param("id") ?? "";
      if (!/^[0-9a-f-]{36}$/i.test(id))
        throw new AppError("validation_failed", "params.id: Invalid UUID", {
          issues: [{ path: "params.id", message: "Invalid UUID" }],
        });
      const tenantId = c.get("principal").tenantId;
      await Store.get(deps.db, tenantId, id);
      return { tenantId, sessionId: id, afterSeq: after(c) ?? 0 };
    }),
  );
}
