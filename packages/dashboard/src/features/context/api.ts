import { ApiError, type Client, Context, ErrorBody } from "@orchestrator/sdk";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { z } from "zod";
import { useAuth } from "../../app/auth.tsx";

/**
 * Shared context over the API (docs/context.md). The SDK client reads documents and their history; the
 * rest (lists, versions, diffs, merges, a session's reads) it does not have yet, so they are asked here
 * the way it asks: Bearer key, JSON, the server's error body as an ApiError, answers checked with the
 * SDK's schemas. They belong in the SDK's `contexts` once it grows them.
 */
const Docs = z.object({ items: z.array(Context.Document) });
const Ref = z.object({ id: z.string(), version: z.number() });
const At = z.object({ id: z.string(), version: z.number(), data: z.unknown() });
const Diffed = z.object({ from: Ref, to: Ref, changes: z.array(Context.Difference) });
const Merges = z.object({ items: z.array(Context.Merge) });
const Read = z.object({
  contextId: z.string(),
  scope: Context.Scope,
  name: z.string(),
  version: z.number(),
  at: z.string(),
});
const Reads = z.object({ items: z.array(Read) });
export type Read = z.infer<typeof Read>;
export type Diffed = z.infer<typeof Diffed>;

const enc = encodeURIComponent;
const doc = (id: string) => `/api/v1/contexts/${enc(id)}`;
const query = (q: Record<string, string | number | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
};

function make(client: Client, key: string | undefined) {
  async function call<T extends z.ZodType>(schema: T, method: string, path: string, body?: unknown) {
    let res: Response;
    try {
      res = await fetch(client.url + path, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, "unreachable", `cannot reach ${client.url}: ${(err as Error).message}`);
    }
    const text = await res.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const e = ErrorBody.safeParse(json);
      if (e.success)
        throw new ApiError(res.status, e.data.error.code, e.data.error.message, e.data.error.details);
      throw new ApiError(res.status, "http_error", `HTTP ${res.status} ${res.statusText}`.trim());
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new ApiError(res.status, "bad_response", `unexpected response from ${method} ${path}`, json);
    return parsed.data as z.output<T>;
  }
  return {
    list: async (q: { scope?: Context.Scope; ownerId?: string; name?: string; limit?: number }) =>
      (await call(Docs, "GET", `/api/v1/contexts${query(q)}`)).items,
    get: (id: string) => client.contexts.get(id),
    history: (id: string, q: { after?: number; limit?: number }) => client.contexts.history(id, q),
    version: (id: string, v: number) => call(At, "GET", `${doc(id)}/versions/${v}`),
    diff: (id: string, from: number, to: number) =>
      call(Diffed, "GET", `${doc(id)}/diff${query({ from, to })}`),
    /** Open merges: the tenant's, or those whose target or source is the document. */
    open: async (id?: string) =>
      (await call(Merges, "GET", `/api/v1/context-merges${query({ status: "open", contextId: id })}`)).items,
    merge: (target: string, source: string, strategy: Context.Strategy) =>
      call(Context.Merge, "POST", `${doc(target)}/merge`, { source, strategy }),
    resolve: (merge: string, choices: Context.Choice[]) =>
      call(Context.Merge, "POST", `/api/v1/context-merges/${enc(merge)}/resolve`, { choices }),
    abandon: (merge: string) => call(Context.Merge, "POST", `/api/v1/context-merges/${enc(merge)}/abandon`),
    reads: async (session: string) =>
      (await call(Reads, "GET", `/api/v1/sessions/${enc(session)}/context-reads`)).items,
  };
}
export type ContextApi = ReturnType<typeof make>;

export function useContextApi(): ContextApi {
  const { client, key } = useAuth();
  return useMemo(() => make(client, key), [client, key]);
}

/** How often an open document asks whether it moved, and how often lists and merges are read again. */
export const pollMs = { document: 3_000, list: 10_000, merges: 5_000 } as const;

/**
 * One document, kept current. The server says nothing on the app's socket when a document changes, so
 * every few seconds (only while the tab is visible: TanStack Query pauses intervals in the background)
 * it asks for one change after the version on screen, a few bytes, and reads the whole document again
 * only when there is one: a 1 MB document is not downloaded every 3 s to learn that nothing changed.
 */
export function useDocument(id: string) {
  const api = useContextApi();
  const qc = useQueryClient();
  const doc = useQuery({ queryKey: ["context", id], queryFn: () => api.get(id) });
  const v = doc.data?.version;
  useQuery({
    queryKey: ["context", id, "moved", v],
    queryFn: async () => {
      const next = await api.history(id, { after: v, limit: 1 });
      if (next.length) await qc.invalidateQueries({ queryKey: ["context", id], exact: true });
      return next.length;
    },
    enabled: v !== undefined,
    // The document was just read: the first question is due after one interval, not at once.
    initialData: 0,
    staleTime: pollMs.document,
    refetchInterval: pollMs.document,
  });
  return doc;
}

/**
 * Documents by scope, owner and name, read again every 10 s to find new ones. Each one found also fills
 * its panel's cache, so a page that lists documents and shows them asks once, not twice.
 */
export function useDocuments(q: { scope?: Context.Scope; ownerId?: string; name?: string }, on = true) {
  const api = useContextApi();
  const qc = useQueryClient();
  return useQuery({
    queryKey: ["contexts", q],
    queryFn: async () => {
      const items = await api.list(q);
      for (const d of items) {
        const had = qc.getQueryData<Context.Document>(["context", d.id]);
        if (!had || had.version < d.version) qc.setQueryData(["context", d.id], d);
      }
      return items;
    },
    enabled: on,
    refetchInterval: pollMs.list,
  });
}
