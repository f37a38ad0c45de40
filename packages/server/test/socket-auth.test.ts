import { Writable } from "node:stream";
import type { IncomingMessage } from "node:http";
import { afterAll, beforeAll, expect, test } from "vitest";
import WebSocket from "ws";
import { socketProtocols } from "@orchestrator/sdk";
import { type TestServer, create, serve } from "./harness.ts";

// Decision 9: a browser's socket names its key in a subprotocol, never in the URL; `?access_token=` is
// left only to SSE (an EventSource can do no better), and no log line ever holds a key.
let s: TestServer;
const logged: string[] = [];
let id: string;
beforeAll(async () => {
  const logTo = new Writable({ write: (chunk, _enc, done) => (logged.push(String(chunk)), done()) });
  s = await serve({ engine: { enabled: false } as never, config: { logLevel: "debug" }, logTo });
  id = (await create(s, { prompt: "succeed" })).id;
});
afterAll(() => s?.stop());

const wsUrl = (path: string) => `${s.url.replace("http", "ws")}${path}`;

interface Handshake {
  status: number;
  /** What the server answered in Sec-WebSocket-Protocol. */
  protocol: string | undefined;
  first?: { seq: number };
}

/** Open a socket offering `protocols` (and optional headers); how the handshake went, and the first event. */
function handshake(
  path: string,
  protocols: string[],
  headers: Record<string, string> = {},
): Promise<Handshake> {
  return new Promise((resolve) => {
    let protocol: string | undefined;
    const ws = new WebSocket(wsUrl(path), protocols, { headers });
    ws.on("upgrade", (res: IncomingMessage) => (protocol = res.headers["sec-websocket-protocol"] as string));
    // A stream with nothing to send yet (the all-sessions one): open is answer enough.
    ws.on("open", () => setTimeout(() => (resolve({ status: 101, protocol }), ws.close()), 300));
    ws.on("message", (m) => {
      resolve({ status: 101, protocol, first: JSON.parse(String(m)) });
      ws.close();
    });
    ws.on("unexpected-response", (_req, res) => resolve({ status: res.statusCode ?? 0, protocol }));
    // A server that answers no protocol when some were offered is refused by the client (as browsers do).
    ws.on("error", () => resolve({ status: 101, protocol }));
  });
}

test("a socket authenticates with its key as a subprotocol; the server answers orchestrator.v1, never the key", async () => {
  const r = await handshake(`/ws/sessions/${id}`, socketProtocols(s.key));
  expect(r.status).toBe(101);
  expect(r.protocol).toBe("orchestrator.v1");
  expect(r.first?.seq).toBe(1);
  // Offered alone, the key's protocol is still never echoed (ws's default would answer the first offer).
  const alone = await handshake(`/ws/sessions/${id}`, socketProtocols(s.key).slice(1));
  expect(alone.protocol ?? "").not.toContain("orchestrator.key");
});

test("a wrong key in the subprotocol, or none, is a 401 before any upgrade", async () => {
  expect((await handshake("/ws/sessions", socketProtocols("io_000000000000_nope"))).status).toBe(401);
  expect((await handshake("/ws/sessions", socketProtocols(undefined))).status).toBe(401);
});

test("?access_token= no longer opens a socket; it still opens an SSE stream (EventSource can send no header)", async () => {
  expect((await handshake(`/ws/sessions/${id}?access_token=${s.key}`, [])).status).toBe(401);
  const res = await fetch(`${s.url}/api/v1/sessions/${id}/events?access_token=${s.key}`, {
    headers: { accept: "text/event-stream" },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toContain("text/event-stream");
  await res.body?.cancel();
  // Nowhere else: a JSON route with the key in its URL is refused.
  expect((await fetch(`${s.url}/api/v1/sessions?access_token=${s.key}`)).status).toBe(401);
});

test("no log line holds the key, though request lines carry their query", async () => {
  // Each of these logs its URL; some are refused, one is logged as an error.
  await fetch(`${s.url}/api/v1/sessions/${id}/events?after=0&access_token=${s.key}`);
  await fetch(`${s.url}/api/v1/nowhere?access_token=${s.key}`);
  await handshake(`/ws/sessions?access_token=${s.key}`, []);
  await handshake(`/ws/sessions/${id}`, socketProtocols(s.key));
  await new Promise((r) => setTimeout(r, 200));
  const text = logged.join("");
  const secret = s.key.split("_").slice(2).join("_");
  expect(text).not.toContain(secret);
  expect(text).not.toContain(socketProtocols(s.key)[1]);
  // …and the URLs were logged: their query is there, the credential in it scrubbed.
  expect(text).toContain("access_token=[redacted]");
});
