import { type McpServer, ResourceTemplate } from "@modelcontextprotocol/sdk/server/mcp.js";
import {
  ErrorCode,
  McpError,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
} from "@modelcontextprotocol/sdk/types.js";
import type { Context } from "@orchestrator/sdk";
import { type Rest, Refused } from "./rest.ts";

/** A context document as an MCP resource. */
export const uriOf = (id: string) => `context://${id}`;
const idOf = (uri: string) => /^context:\/\/([0-9a-f-]{36})$/i.exec(uri)?.[1] ?? null;

/**
 * Context documents the caller may read, as resources (`context://<id>`): listed, read as JSON, and
 * subscribed to. A subscription is kept in `subs`; the route tells the connection when a document
 * changes (a `context` notification from any node), and the client reads it again.
 */
export function register(mcp: McpServer, rest: Rest, subs: Set<string>): void {
  const read = async (id: string) => {
    try {
      return (await rest<Context.Document>("GET", `/api/v1/contexts/${id}`)).body;
    } catch (err) {
      if (err instanceof Refused && err.status === 404)
        throw new McpError(ErrorCode.InvalidParams, `no context document ${id} you may read`);
      throw err;
    }
  };
  mcp.registerResource(
    "context",
    new ResourceTemplate("context://{id}", {
      list: async () => {
        const { items } = (await rest<{ items: Context.Document[] }>("GET", "/api/v1/contexts?limit=100"))
          .body;
        return {
          resources: items.map((d) => ({
            uri: uriOf(d.id),
            name: `${d.scope}${d.ownerId ? ` ${d.ownerId}` : ""}: ${d.name}`,
            mimeType: "application/json",
            description: `version ${d.version}, changed ${d.updatedAt}`,
          })),
        };
      },
    }),
    {
      title: "Shared context document",
      description: "context://<id>: the document as JSON",
      mimeType: "application/json",
    },
    async (uri, { id }) => {
      const d = await read(String(id));
      return {
        contents: [{ uri: uri.href, mimeType: "application/json", text: JSON.stringify(d, null, 1) }],
      };
    },
  );
  mcp.server.setRequestHandler(SubscribeRequestSchema, async (req) => {
    const id = idOf(req.params.uri);
    if (!id) throw new McpError(ErrorCode.InvalidParams, `not a context document: ${req.params.uri}`);
    await read(id); // only what the caller may read
    if (subs.size >= 1000)
      throw new McpError(ErrorCode.InvalidRequest, "at most 1000 subscriptions a connection");
    subs.add(uriOf(id));
    return {};
  });
  mcp.server.setRequestHandler(UnsubscribeRequestSchema, async (req) => {
    subs.delete(req.params.uri);
    return {};
  });
}
