import {
  A2A_VERSION_HEADER,
  AgentCard,
  Extensions,
  HTTP_EXTENSION_HEADER,
  SSE_HEADERS,
  formatSSEErrorEvent,
  formatSSEEvent,
} from "@a2a-js/sdk";
import { LegacyJsonRpcTransportHandler } from "@a2a-js/sdk/compat/v0_3/server";
import { JsonRpcTransportHandler, ServerCallContext } from "@a2a-js/sdk/server";
import { unstorable } from "@orchestrator/sdk";
import type { Context } from "hono";
import type { App, Deps, Env } from "../../api/deps.ts";
import { handler, TenantUser } from "./server.ts";
import { card, legacyCard, rpcPath } from "./card.ts";
import * as Push from "./push.ts";

/**
 * A2A over JSON-RPC at /api/v1/a2a (API key auth like the rest of the API), and the Agent Card at
 * /.well-known/agent-card.json. The A2A-Version header picks the protocol: 1.0, or 0.3 when it is
 * absent or says so (the 0.3 compatibility path of the official SDK, over the same handler).
 */
export function routes(app: App, deps: Deps): void {
  const origin = (c: Context<Env>) => new URL(c.req.url).origin;
  const v1 = (c: Context<Env>) =>
    new JsonRpcTransportHandler(handler(deps, async () => card(deps, origin(c))));
  const v03 = (c: Context<Env>) =>
    new LegacyJsonRpcTransportHandler(handler(deps, async () => card(deps, origin(c))));
  void Push.resume(deps).catch((err) => deps.log.warn({ err }, "could not resume A2A push delivery"));

  app.get("/.well-known/agent-card.json", (c) => {
    const version = c.req.header(A2A_VERSION_HEADER);
    c.header("vary", A2A_VERSION_HEADER);
    const v = card(deps, origin(c));
    return c.json(version && version !== "0.3" ? (AgentCard.toJSON(v) as object) : legacyCard(v, origin(c)));
  });

  // A2A agents we called report here (push config we sent with the task). Whatever node receives it,
  // NOTIFY hands it to the node whose run waits, which checks the token and asks the agent for the task.
  app.post(`${rpcPath}/push/:session`, async (c) => {
    const session = c.req.param("session");
    const token = c.req.header("x-a2a-notification-token") ?? "";
    if (!/^[0-9a-f-]{36}$/i.test(session) || !/^[0-9a-f]{32}$/.test(token))
      return c.json({ error: { code: "unauthorized", message: "unknown task or token" } }, 401);
    await deps.db.notify([["a2a_push", `${session}:${token}`]]);
    return c.body(null, 204);
  });

  app.post(rpcPath, async (c) => {
    const version = c.req.header(A2A_VERSION_HEADER) || "0.3";
    const ctx = new ServerCallContext({
      user: new TenantUser(c.get("principal").tenantId),
      requestedVersion: version,
      requestedExtensions: Extensions.parseServiceParameter(c.req.header(HTTP_EXTENSION_HEADER)),
      state: new Map<string, unknown>([["signal", c.req.raw.signal]]),
    });
    const text = await c.req.text();
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return c.json({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Invalid JSON payload." } });
    }
    // The rule of storable text (api/text.ts leaves this route's body to it), answered in JSON-RPC.
    const flaw = unstorable(body);
    if (flaw)
      return c.json({
        jsonrpc: "2.0",
        id: typeof body?.id === "string" || typeof body?.id === "number" ? body.id : null,
        error: { code: -32602, message: `${flaw.path.join(".")}: ${flaw.message}` },
      });
    if (version !== "1.0" && version !== "0.3")
      return c.json({
        jsonrpc: "2.0",
        id: body?.id ?? null,
        error: { code: -32009, message: `A2A protocol version ${version} is not supported: 1.0 or 0.3` },
      });
    const out = await (version === "1.0" ? v1(c) : v03(c)).handle(body, ctx);
    if (!(Symbol.asyncIterator in out)) return c.json(out as object);
    // Like the SDK's own server: an error before the first event (unknown task, bad params) is a plain
    // JSON-RPC error, not a stream that starts and fails.
    const mapError =
      version === "1.0"
        ? JsonRpcTransportHandler.mapToJSONRPCError
        : LegacyJsonRpcTransportHandler.mapToLegacyJSONRPCError;
    const id = (body.id as string | number | undefined) ?? null;
    let first: IteratorResult<unknown>;
    try {
      first = await out.next();
    } catch (err) {
      return c.json({ jsonrpc: "2.0", id, error: mapError(err) });
    }
    const enc = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async start(ctrl) {
        try {
          if (!first.done) {
            ctrl.enqueue(enc.encode(formatSSEEvent(first.value)));
            for await (const ev of out) ctrl.enqueue(enc.encode(formatSSEEvent(ev)));
          }
        } catch (err) {
          ctrl.enqueue(enc.encode(formatSSEErrorEvent({ jsonrpc: "2.0", id, error: mapError(err) })));
        } finally {
          ctrl.close();
        }
      },
      async cancel() {
        await out.return(undefined);
      },
    });
    return new Response(stream, { headers: SSE_HEADERS });
  });
}
