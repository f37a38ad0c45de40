import type { App } from "../api/deps.ts";

/** What a REST call answered: its status and JSON body. */
export interface Answer<T = unknown> {
  status: number;
  body: T;
  etag: string | null;
}

export type Rest = <T = unknown>(
  method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<Answer<T>>;

/** A REST call failed: its status and the API's error body, for the tool's error result. */
export class Refused extends Error {
  readonly status: number;
  readonly body: unknown;
  constructor(status: number, body: unknown) {
    const e = (body as { error?: { code?: string; message?: string } } | null)?.error;
    super(`${status} ${e?.code ?? "error"}: ${e?.message ?? JSON.stringify(body)}`);
    this.name = "Refused";
    this.status = status;
    this.body = body;
  }
}

/**
 * Calls into our own REST API in process, as the caller (their bearer, their request id): MCP tools are
 * thin adapters over it, so validation, roles, tenant and ownership are checked in one place.
 */
export function rest(app: App, bearer: string | null, requestId: string): Rest {
  return as(app, bearer ? { authorization: `Bearer ${bearer}` } : {}, requestId);
}

/** `rest` with the caller's own auth headers: an EAP agent's token and task (agent/eap/grpc/work.ts). */
export function as(app: App, auth: Record<string, string>, requestId: string): Rest {
  return async (method, path, body, headers = {}) => {
    const res = await app.request(path, {
      method,
      headers: {
        ...auth,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        "x-request-id": requestId,
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    const parsed = text ? (JSON.parse(text) as unknown) : null;
    if (!res.ok) throw new Refused(res.status, parsed);
    return { status: res.status, body: parsed as never, etag: res.headers.get("etag") };
  };
}
