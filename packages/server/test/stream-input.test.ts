import { afterAll, beforeAll, describe, expect, test } from "vitest";
import WebSocket from "ws";
import { type TestServer, create, serve, until } from "./harness.ts";

// Found by a fuzzer and a hostile client (issue 14): a cursor past what its column holds crashed the
// process from inside a socket's open handler. Every out-of-range cursor on every stream is now a 4xx
// naming the field (a close code 4422 on a socket), and the server goes on.
let s: TestServer;
let viewer: string;
let id: string;
beforeAll(async () => {
  s = await serve({ engine: { enabled: false } as never });
  viewer = (await s.api("/api/v1/keys", { method: "POST", json: { name: "watcher", role: "viewer" } })).body
    .key;
  id = (await create(s, { prompt: "succeed" })).id;
});
afterAll(() => s?.stop());

interface Ended {
  opened: boolean;
  code?: number;
  reason?: string;
  status?: number;
  first?: unknown;
}

/** Open a socket as a non-browser client does (key in the Authorization header) and see how it ends. */
function socket(path: string, key = viewer, quiet = false): Promise<Ended> {
  return new Promise((resolve) => {
    const out: Ended = { opened: false };
    const ws = new WebSocket(`${s.url.replace("http", "ws")}${path}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    ws.on("open", () => {
      out.opened = true;
      // A stream with nothing to send yet: wait a moment for a refusal, then leave.
      if (quiet) setTimeout(() => ws.close(1000), 300);
    });
    ws.on("message", (m) => {
      out.first ??= JSON.parse(String(m));
      ws.close(1000);
    });
    ws.on("unexpected-response", (_req, res) => resolve({ ...out, status: res.statusCode }));
    ws.on("close", (code, reason) => resolve({ ...out, code, reason: String(reason) }));
    ws.on("error", () => {}); // "close" or "unexpected-response" says how it ended
  });
}

const outOfRange = ["2147483648", "99999999999", "-1", "1e30", "abc"];

describe("every cursor on every stream is bounded by what its column holds", () => {
  test.each(outOfRange)("a session's socket with ?after=%s closes 4422 naming query.after", async (v) => {
    const r = await socket(`/ws/sessions/${id}?after=${v}`);
    expect(r.code, JSON.stringify(r)).toBe(4422);
    expect(r.reason).toContain("query.after");
  });

  test.each(["9007199254740992", "-1", "abc"])(
    "the all-sessions socket with ?after=%s closes 4422 naming query.after",
    async (v) => {
      const r = await socket(`/ws/sessions?after=${v}`);
      expect(r.code, JSON.stringify(r)).toBe(4422);
      expect(r.reason).toContain("query.after");
    },
  );

  test.each(outOfRange)("a page of events with ?after=%s is a 422 naming query.after", async (v) => {
    const r = await s.api(`/api/v1/sessions/${id}/events?after=${v}`, { key: viewer });
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.error.message).toContain("query.after");
  });

  test.each(outOfRange)("an SSE stream with ?after=%s is a 422 naming query.after", async (v) => {
    const r = await s.api(`/api/v1/sessions/${id}/events?after=${v}`, {
      key: viewer,
      headers: { accept: "text/event-stream" },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.error.message).toContain("query.after");
  });

  test.each(outOfRange)(
    "an SSE stream resumed with Last-Event-ID: %s is a 422 (an EventSource does not retry it)",
    async (v) => {
      const r = await s.api(`/api/v1/sessions/${id}/events`, {
        key: viewer,
        headers: { accept: "text/event-stream", "last-event-id": v },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(422);
      expect(r.body.error.message).toContain("header.last-event-id");
    },
  );

  test("a checkpoint's seq past an integer is a 422 naming params.seq", async () => {
    const r = await s.api(`/api/v1/sessions/${id}/checkpoints/2147483648/restore`, { method: "POST" });
    expect(r.status, JSON.stringify(r.body)).toBe(422);
    expect(r.body.error.message).toContain("params.seq");
  });

  test("an unknown session's socket closes 4404 with a reason; a malformed id 4422", async () => {
    const gone = await socket("/ws/sessions/00000000-0000-4000-8000-000000000000");
    expect(gone.code).toBe(4404);
    expect(gone.reason).toMatch(/session .* not found/);
    // Not a uuid though it has a uuid's length and alphabet (the old check let it reach the database).
    for (const id of ["nope", "-".repeat(36)]) {
      const bad = await socket(`/ws/sessions/${id}`);
      expect(bad.code, id).toBe(4422);
      expect(bad.reason).toContain("params.id");
    }
  });

  test("after all of that the server is alive, and streams in range still work", async () => {
    expect((await s.api("/health/live")).status).toBe(200);
    const ok = await socket(`/ws/sessions/${id}?after=0`);
    expect((ok.first as { seq: number }).seq).toBe(1);
    const max = await socket(`/ws/sessions/${id}?after=2147483647`, viewer, true);
    expect(max).toEqual({ opened: true, code: 1000, reason: "" }); // we closed it: nothing refused it
  });
});

test("a subscriber whose error handler throws does not take the process down", async () => {
  // A send that fails makes the hub call the subscriber's error handler from a detached drain; a handler
  // that throws there was an unhandled rejection (the process's end on Node 20).
  const escaped: unknown[] = [];
  const note = (err: unknown) => escaped.push(err);
  process.on("unhandledRejection", note);
  let called = 0;
  await s.deps.hub.subscribe(
    { tenantId: s.deps.defaultTenant, sessionId: id, afterSeq: 0 },
    () => {
      throw new Error("send failed");
    },
    () => {
      called++;
      throw new Error("and so did its handler");
    },
  );
  await until(async () => called > 0, 5_000, "the error handler");
  await new Promise((r) => setTimeout(r, 100));
  process.off("unhandledRejection", note);
  expect(escaped).toEqual([]);
  expect((await s.api("/health/live")).status).toBe(200);
});
