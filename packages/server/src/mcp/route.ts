import { randomUUID } from "node:crypto";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { isInitializeRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "@hono/zod-openapi";
import type { App, Deps } from "../api/deps.ts";
import { AppError } from "../error.ts";
import { type Caller, callerOf, same } from "./caller.ts";
import * as Agent from "./agent.ts";
import * as People from "./people.ts";
import * as Resources from "./resources.ts";
import { rest } from "./rest.ts";

/** One MCP connection (an MCP session): its server, transport, who opened it, what it subscribed to. */
interface Live {
  server: McpServer;
  transport: WebStandardStreamableHTTPServerTransport;
  caller: Caller;
  subs: Set<string>;
  seen: number;
}

const idleMs = 30 * 60_000;
const maxLive = 2000;

const instructions = {
  agent:
    "The Industrial Orchestrator runs you as one session of its work. Share what others working on the same plan or project must know (decisions, contracts, findings) with context_get and context_patch; see and add to the plan's tasks with task_list, task_get, task_create and task_update; ask a person with ask_person; report how far you are with report_progress.",
  person:
    "The Industrial Orchestrator: submit and follow agent sessions and plans, read their diffs, answer approvals, see what needs attention, and read shared context. Resources context://<id> are shared context documents.",
};

/**
 * The MCP endpoint (Streamable HTTP, stateful: subscriptions need a connection to notify). Agents the
 * orchestrator runs connect with their session's credential and get the agent tools; people's tools
 * connect with an API key and get the people's tools. Every request is authenticated again, and a
 * connection stays with the credential that opened it.
 */
export function routes(app: App, deps: Deps): void {
  const live = new Map<string, Live>();

  const open = (caller: Caller, requestId: string): Live => {
    const r = rest(app, caller.bearer, requestId);
    const server = new McpServer(
      { name: "industrial-orchestrator", version: "0.1.0" },
      {
        capabilities: { resources: { subscribe: true, listChanged: false } },
        instructions: instructions[caller.kind],
      },
    );
    const subs = new Set<string>();
    if (caller.kind === "agent") Agent.register(server, deps, caller.principal.work, r);
    else People.register(server, r);
    Resources.register(server, r, subs);
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => void live.set(id, entry),
      onsessionclosed: (id) => void live.delete(id),
    });
    const entry: Live = { server, transport, caller, subs, seen: Date.now() };
    return entry;
  };

  const close = (id: string, l: Live) => {
    live.delete(id);
    void l.server.close().catch((err) => deps.log.warn({ err }, "closing an MCP connection failed"));
  };

  // A changed document: tell the connections subscribed to it. "" (too many ids to name): all of them.
  void deps.db
    .listen("context", (id) => {
      const uri = Resources.uriOf(id);
      for (const l of live.values())
        for (const sub of l.subs)
          if (!id || sub === uri)
            void l.server.server
              .sendResourceUpdated({ uri: sub })
              .catch((err) => deps.log.debug({ err }, "an MCP update could not be sent"));
    })
    .catch((err) => deps.log.error({ err }, "MCP cannot hear of context changes"));

  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [id, l] of live) if (now - l.seen > idleMs) close(id, l);
  }, 60_000);
  sweep.unref();

  app.all("/mcp", async (c) => {
    const caller = await callerOf(deps, c.req.header("authorization"));
    const authInfo = {
      token: caller.bearer ?? "dev",
      clientId: caller.kind === "agent" ? caller.principal.work.sessionId : (caller.principal.keyId ?? "dev"),
      scopes: [caller.kind],
    };
    // Read through Hono, which keeps it: an earlier middleware may have read the raw body already.
    const body = c.req.method === "POST" ? await c.req.json().catch(() => undefined) : undefined;
    if (c.req.method === "POST" && body === undefined)
      return c.json(
        { jsonrpc: "2.0", error: { code: -32700, message: "Parse error: the body is not JSON" }, id: null },
        400,
      );
    const sid = c.req.header("mcp-session-id");
    if (sid) {
      const l = live.get(sid);
      // 404 tells a client to start a new connection (after our restart, say).
      if (!l)
        return c.json(
          { jsonrpc: "2.0", error: { code: -32001, message: "MCP session not found" }, id: null },
          404,
        );
      if (!same(l.caller, caller))
        throw new AppError("forbidden", "this MCP session belongs to another credential");
      l.seen = Date.now();
      return l.transport.handleRequest(c.req.raw, { authInfo, parsedBody: body });
    }
    if (c.req.method !== "POST")
      return c.json(
        { jsonrpc: "2.0", error: { code: -32000, message: "send initialize first (POST)" }, id: null },
        400,
      );
    if (!isInitializeRequest(body))
      return c.json(
        {
          jsonrpc: "2.0",
          error: { code: -32000, message: "no MCP session: send initialize first, then mcp-session-id" },
          id: null,
        },
        400,
      );
    if (live.size >= maxLive) throw new AppError("rate_limited", `at most ${maxLive} MCP connections a node`);
    const l = open(caller, c.get("requestId"));
    await l.server.connect(l.transport);
    return l.transport.handleRequest(c.req.raw, { authInfo, parsedBody: body });
  });

  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/mcp",
    tags: ["MCP"],
    summary:
      "Model Context Protocol (Streamable HTTP). With an API key: people's tools (sessions, plans, diffs, approvals, attention, context). With a session credential: the agent tools of that session's work. GET opens the notification stream; DELETE ends the MCP session.",
    request: {
      headers: z.object({
        "mcp-session-id": z.string().optional().describe("after initialize: the id it answered"),
      }),
      body: {
        content: {
          "application/json": {
            schema: z.object({ jsonrpc: z.literal("2.0"), method: z.string() }).passthrough(),
          },
        },
      },
    },
    responses: {
      200: { description: "a JSON-RPC answer, as JSON or an event stream" },
      400: { description: "no MCP session: initialize first" },
      401: { description: "no valid API key or session credential" },
      404: { description: "unknown MCP session: initialize again" },
    },
  });
}
