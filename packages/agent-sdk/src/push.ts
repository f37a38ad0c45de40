import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import type { Eap } from "@orchestrator/sdk";
import { verify } from "./sign.ts";

export interface Listen {
  port?: number;
  host?: string;
  /** The URL the orchestrator should POST to, when it differs from where we listen (a proxy, a container). */
  publicUrl?: string;
}

/**
 * Receive pushed assignments at `POST <endpoint>/task`. Each must carry a valid signature for this agent;
 * 202 means taken, 503 means not now (at capacity or stopping), so the orchestrator routes it elsewhere.
 */
export async function listen(
  opts: Listen,
  who: () => Promise<{ agentId: string; secret?: string }>,
  take: (a: Eap.Assignment) => boolean,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const answer = (status: number, error?: string) => {
      res.statusCode = status;
      if (error) res.setHeader("content-type", "application/json");
      res.end(error ? JSON.stringify({ error: { code: "push_refused", message: error } }) : undefined);
    };
    if (req.method !== "POST" || !req.url?.endsWith("/task")) return answer(404, "POST <endpoint>/task");
    void read(req)
      .then(async (body) => {
        const me = await who();
        const ok =
          req.headers["x-eap-agent"] === me.agentId &&
          !!me.secret &&
          verify(
            me.secret,
            {
              timestamp: one(req.headers["x-eap-timestamp"]),
              signature: one(req.headers["x-eap-signature"]),
            },
            body,
          );
        if (!ok) return answer(401, "bad or missing signature");
        answer(take(JSON.parse(body) as Eap.Assignment) ? 202 : 503);
      })
      .catch((err: Error) => answer(400, err.message));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", resolve);
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: opts.publicUrl ?? `http://${host}:${port}/eap`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const one = (h: string | string[] | undefined) => (Array.isArray(h) ? h[0] : h);

function read(req: IncomingMessage, max = 4 * 2 ** 20): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > max) {
        reject(new Error("assignment too large"));
        req.destroy();
      } else chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
