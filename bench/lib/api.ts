import http from "node:http";
import { terminal } from "@orchestrator/sdk";

/** A minimal client for the REST API: the benchmarks measure the server, not an SDK. */
export interface Api {
  url: string;
  key: string;
  call<T = any>(method: string, path: string, body?: unknown): Promise<T>;
}

export function api(url: string, key: string): Api {
  return {
    url,
    key,
    call: async (method, path, body) => {
      const headers: Record<string, string> = { authorization: `Bearer ${key}` };
      if (body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(url + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
      return text ? JSON.parse(text) : null;
    },
  };
}

export interface Event {
  id: number;
  sessionId: string;
  seq: number;
  type: string;
  at: string;
  data: Record<string, unknown>;
}

/** Poll until the session reaches an end state; returns it. */
export async function settle(a: Api, id: string, timeoutMs = 120_000): Promise<{ status: string }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const s = await a.call<{ status: string }>("GET", `/api/v1/sessions/${id}`);
    if ((terminal as readonly string[]).includes(s.status)) return s;
    if (Date.now() > until) throw new Error(`session ${id} still ${s.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A request over node:http with kept-alive connections, for load generators: fetch (undici) spends
 * several times the CPU per request, and on 2 cores the client's CPU is taken from the server it measures.
 */
export function light(
  url: string,
): (
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
) => Promise<{ status: number; text: string }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const { hostname, port } = new URL(url);
  return (method, path, headers, body) =>
    new Promise((resolve, reject) => {
      const req = http.request({ agent, hostname, port, method, path, headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d: string) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(body);
    });
}
