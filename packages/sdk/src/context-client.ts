import { z } from "zod";
import * as Context from "./context.ts";

/** How the client makes a call: the schema of the answer, the method, path, body and headers. */
export type Call = <T extends z.ZodType>(
  schema: T,
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<z.output<T>>;

const Documents = z.object({ items: z.array(Context.Document) });
const Changes = z.object({ items: z.array(Context.Change) });
const Merges = z.object({ items: z.array(Context.Merge) });
const Reads = z.object({ items: z.array(Context.Read) });
const Version = z.object({ id: z.uuid(), version: z.number().int(), data: z.unknown() });
const Diffed = z.object({
  from: z.object({ id: z.uuid(), version: z.number().int() }),
  to: z.object({ id: z.uuid(), version: z.number().int() }),
  changes: z.array(Context.Difference),
});

const qs = (q: Record<string, string | number | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
};

/** The client's `contexts`: shared context documents, their history, versions, diffs and merges. */
export function contexts(call: Call) {
  const at = (id: string) => `/api/v1/contexts/${encodeURIComponent(id)}`;
  const merge = (id: string) => `/api/v1/context-merges/${encodeURIComponent(id)}`;
  return {
    create: (input: { scope: Context.Scope; ownerId?: string; name: string; data?: unknown }) =>
      call(Context.Document, "POST", "/api/v1/contexts", input),
    list: async (q: { scope?: Context.Scope; ownerId?: string; name?: string; limit?: number } = {}) =>
      (await call(Documents, "GET", `/api/v1/contexts${qs(q)}`)).items,
    get: (id: string) => call(Context.Document, "GET", at(id)),
    /** Patch; `ifMatch` is the version the ops were written against (412 names what changed since). */
    patch: (
      id: string,
      ops: Context.Op[],
      o: { ifMatch?: number; lastWriterWins?: boolean; causationId?: string } = {},
    ) =>
      call(
        Context.Document,
        "PATCH",
        at(id),
        {
          ops,
          ...(o.lastWriterWins ? { lastWriterWins: true } : {}),
          ...(o.causationId ? { causationId: o.causationId } : {}),
        },
        o.ifMatch === undefined ? undefined : { "if-match": `"${o.ifMatch}"` },
      ),
    /** With `values`, each touched path's value before and after (pages of at most 100). */
    history: async (id: string, q: { after?: number; limit?: number; values?: boolean } = {}) =>
      (await call(Changes, "GET", `${at(id)}/history${qs({ ...q, values: q.values ? "true" : undefined })}`))
        .items,
    version: (id: string, version: number) => call(Version, "GET", `${at(id)}/versions/${version}`),
    /** Between two versions (default: the last change), or against another document. */
    diff: (id: string, q: { from?: number; to?: number; against?: string } = {}) =>
      call(Diffed, "GET", `${at(id)}/diff${qs(q)}`),
    /** Merge `source` into `id`; a manual merge with conflicts comes back open. */
    merge: (id: string, source: string, strategy?: Context.Strategy) =>
      call(Context.Merge, "POST", `${at(id)}/merge`, { source, ...(strategy ? { strategy } : {}) }),
    promote: (
      id: string,
      to: { scope: Context.Scope; ownerId?: string; name?: string; strategy?: Context.Strategy },
    ) => call(Context.Merge, "POST", `${at(id)}/promote`, to),
    merges: async (q: { status?: Context.Merge["status"]; contextId?: string; limit?: number } = {}) =>
      (await call(Merges, "GET", `/api/v1/context-merges${qs(q)}`)).items,
    resolve: (mergeId: string, choices: Context.Choice[]) =>
      call(Context.Merge, "POST", `${merge(mergeId)}/resolve`, { choices }),
    abandon: (mergeId: string) => call(Context.Merge, "POST", `${merge(mergeId)}/abandon`),
    /** The document versions a session read, oldest first. */
    reads: async (sessionId: string) =>
      (await call(Reads, "GET", `/api/v1/sessions/${encodeURIComponent(sessionId)}/context-reads`)).items,
  };
}
