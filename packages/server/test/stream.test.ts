import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Sse } from "@orchestrator/sdk";
import WebSocket from "ws";
import { type TestServer, create, events, serve, settle, until } from "./harness.ts";

let s: TestServer;
beforeAll(async () => {
  s = await serve();
});
afterAll(() => s?.stop());

/** Read an SSE response until `stop` says so; returns the parsed events. */
async function readSse(res: Response, stop: (e: any) => boolean, max = 10_000): Promise<any[]> {
  const out: any[] = [];
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const parse = Sse.parser();
  const deadline = Date.now() + max;
  try {
    while (Date.now() < deadline) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const m of parse.push(decoder.decode(value, { stream: true }))) {
        const e = JSON.parse(m.data);
        out.push(e);
        if (stop(e)) return out;
      }
    }
    return out;
  } finally {
    await reader.cancel();
  }
}

const sse = (id: string, headers: Record<string, string> = {}, qs = "") =>
  fetch(`${s.url}/api/v1/sessions/${id}/events${qs}`, {
    headers: { authorization: `Bearer ${s.key}`, accept: "text/event-stream", ...headers },
  });
const ended = (e: any) => e.type === "session.status" && ["completed", "failed"].includes(e.data.to);

/** A socket as a non-browser client opens one: the key in the Authorization header. */
const open = (url: string) => new WebSocket(url, { headers: { authorization: `Bearer ${s.key}` } });

function collectWs(url: string, stop: (e: any) => boolean): Promise<any[]> {
  return new Promise((resolve, reject) => {
    const out: any[] = [];
    const ws = open(url);
    ws.on("message", (m) => {
      const e = JSON.parse(String(m));
      out.push(e);
      if (stop(e)) {
        ws.close();
        resolve(out);
      }
    });
    ws.on("error", reject);
    setTimeout(() => (ws.close(), resolve(out)), 10_000);
  });
}

describe("event streams", () => {
  test("SSE replays the log, then goes live, with every seq exactly once", async () => {
    const { id } = await create(s, { prompt: "emit 5\nsleep 300\nemit 5\nsucceed" });
    await until(async () => (await events(s, id)).some((e) => e.type === "agent.message"));
    const got = await readSse(await sse(id), ended);
    expect(got.map((e) => e.seq)).toEqual(got.map((_, i) => i + 1));
    expect(got.filter((e) => e.type === "agent.message")).toHaveLength(10);
  });

  test("SSE resumes after Last-Event-ID with no gap and no duplicate", async () => {
    const { id } = await create(s, { prompt: "emit 3\nsleep 300\nemit 3\nsucceed" });
    const first = await readSse(await sse(id), (e) => e.seq === 4);
    expect(first.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    const rest = await readSse(await sse(id, { "last-event-id": "4" }), ended);
    expect(rest[0].seq).toBe(5);
    const all = [...first, ...rest].map((e) => e.seq);
    expect(all).toEqual(all.map((_, i) => i + 1));
    const log = await events(s, id);
    expect(all.length).toBe(log.length);
  });

  test("SSE ?after= resumes the same way", async () => {
    const { id } = await create(s, { prompt: "emit 4\nsucceed" });
    await settle(s, id, ["completed"]);
    const got = await readSse(await sse(id, {}, "?after=3"), ended);
    expect(got[0].seq).toBe(4);
  });

  test("a session's WebSocket replays then streams live, resuming from ?after=", async () => {
    const { id } = await create(s, { prompt: "emit 2\nsleep 200\nemit 2\nsucceed" });
    const url = `${s.url.replace("http", "ws")}/ws/sessions/${id}`;
    const all = await collectWs(url, ended);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    const tail = await collectWs(`${url}?after=${all.length - 2}`, ended);
    expect(tail.map((e) => e.seq)).toEqual([all.length - 1, all.length]);
  });

  test("the all-sessions WebSocket carries every session's events in id order and resumes by id", async () => {
    const url = `${s.url.replace("http", "ws")}/ws/sessions`;
    const ws = open(url);
    const seen: any[] = [];
    ws.on("message", (m) => seen.push(JSON.parse(String(m))));
    await new Promise((r) => ws.once("open", r));
    const a = await create(s, { prompt: "emit 2\nsucceed" });
    const b = await create(s, { prompt: "emit 2\nsucceed" });
    await settle(s, a.id, ["completed"]);
    await settle(s, b.id, ["completed"]);
    await until(async () => seen.filter(ended).length >= 2);
    ws.close();
    const ids = seen.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.at(-1)! - ids[0]! + 1).toBe(ids.length);
    const from = seen[3].id;
    const again = await collectWs(`${url}?after=${from}`, (e) => e.id === ids.at(-1));
    expect(again.map((e) => e.id)).toEqual(ids.filter((i) => i > from));
  });

  test("many concurrent subscribers each receive the whole stream exactly once", async () => {
    const { id } = await create(s, { prompt: "sleep 200\nemit 20\nsucceed" });
    const url = `${s.url.replace("http", "ws")}/ws/sessions/${id}`;
    const results = await Promise.all(Array.from({ length: 50 }, () => collectWs(url, ended)));
    const log = (await events(s, id)).map((e) => e.seq);
    for (const r of results) expect(r.map((e) => e.seq)).toEqual(log);
  });

  test("a stream of another tenant's session is refused", async () => {
    const r = await fetch(`${s.url}/api/v1/sessions/00000000-0000-4000-8000-000000000000/events`, {
      headers: { authorization: `Bearer ${s.key}`, accept: "text/event-stream" },
    });
    expect(r.status).toBe(404);
  });
});
