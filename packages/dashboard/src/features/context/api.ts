import type { Client, Context } from "@orchestrator/sdk";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { useAuth } from "../../app/auth.tsx";

/** Shared context over the API (docs/context.md), through the SDK client's `contexts`. */
export type Read = Context.Read;
export type Diffed = Awaited<ReturnType<Client["contexts"]["diff"]>>;

function make(client: Client) {
  const c = client.contexts;
  return {
    list: (q: { scope?: Context.Scope; ownerId?: string; name?: string; limit?: number }) => c.list(q),
    get: (id: string) => c.get(id),
    history: (id: string, q: { after?: number; limit?: number }) => c.history(id, q),
    version: (id: string, v: number) => c.version(id, v),
    diff: (id: string, from: number, to: number) => c.diff(id, { from, to }),
    /** Open merges: the tenant's, or those whose target or source is the document. */
    open: (id?: string) => c.merges({ status: "open", ...(id ? { contextId: id } : {}) }),
    merge: (target: string, source: string, strategy: Context.Strategy) => c.merge(target, source, strategy),
    resolve: (merge: string, choices: Context.Choice[]) => c.resolve(merge, choices),
    abandon: (merge: string) => c.abandon(merge),
    reads: (session: string) => c.reads(session),
  };
}
export type ContextApi = ReturnType<typeof make>;

export function useContextApi(): ContextApi {
  const { client } = useAuth();
  return useMemo(() => make(client), [client]);
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
