import { ApiError, ErrorBody, Plan } from "@orchestrator/sdk";
import type { Target } from "../config.ts";

/**
 * The Plans API over HTTP, for the CLI. The SDK's client has no `plans` yet; this keeps its contract
 * (ApiError with the server's code, `unreachable` when the server cannot be reached, answers checked by
 * the SDK's schemas) so the commands move to `client.plans` unchanged once it has one.
 */
export type Api = ReturnType<typeof api>;

export type Action = "start" | "cancel" | "pause" | "resume";

/** What the CLI needs of a zod schema (the CLI does not depend on zod itself). */
interface Schema<T> {
  safeParse(value: unknown): { success: boolean; data?: T; error?: { message: string } };
}

export function api(target: Pick<Target, "url" | "key">) {
  const base = target.url.replace(/\/+$/, "");
  const auth: Record<string, string> = target.key ? { authorization: `Bearer ${target.key}` } : {};

  async function call<T>(schema: Schema<T>, method: string, path: string, body?: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(base + path, {
        method,
        headers: body === undefined ? auth : { ...auth, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw unreachable(base, err);
    }
    const text = await res.text().catch(() => "");
    if (!res.ok) throw failure(res, text);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (err) {
      throw unreachable(base, err);
    }
    const parsed = schema.safeParse(zeroCounts(json));
    if (!parsed.success)
      throw new ApiError(
        res.status,
        "bad_response",
        `unexpected response from ${method} ${path}: ${parsed.error?.message}`,
        json,
      );
    return parsed.data as T;
  }

  const at = (id: string) => `/api/v1/plans/${encodeURIComponent(id)}`;
  return {
    create: (input: Plan.CreatePlan) => call(Plan.View, "POST", "/api/v1/plans", input),
    decompose: (input: Plan.DecomposeRequest) =>
      call(Plan.Decomposition, "POST", "/api/v1/plans/decompose", input),
    list: (q: { status?: string; limit?: number; cursor?: string } = {}) =>
      call(Plan.Page, "GET", `/api/v1/plans${search(q)}`),
    get: (id: string) => call(Plan.View, "GET", at(id)),
    act: (id: string, action: Action) => call(Plan.View, "POST", `${at(id)}/${action}`),
    task: (id: string, key: string, action: "retry" | "skip") =>
      call(Plan.View, "POST", `${at(id)}/tasks/${encodeURIComponent(key)}/${action}`),
  };
}

/**
 * The server sends `counts` with only the states some task is in; the SDK's schema (a zod 4 record keyed
 * by an enum) asks for every state. Fill the rest with 0 so both read the same; harmless once they agree.
 */
function zeroCounts(json: unknown): unknown {
  const fill = (x: unknown) => {
    const c = (x as { counts?: Record<string, unknown> } | null)?.counts;
    if (c && typeof c === "object") for (const s of Plan.TaskStatus.options) c[s] ??= 0;
  };
  fill(json);
  const items = (json as { items?: unknown } | null)?.items;
  if (Array.isArray(items)) items.forEach(fill);
  return json;
}

function search(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : "";
}

/** The server's error body when it sent one; otherwise the status line (e.g. a proxy's HTML page). */
function failure(res: Response, text: string): ApiError {
  try {
    const { error } = ErrorBody.parse(JSON.parse(text));
    return new ApiError(res.status, error.code, error.message, error.details);
  } catch {
    return new ApiError(
      res.status,
      res.status >= 500 ? "internal" : "http_error",
      `HTTP ${res.status} ${res.statusText}`.trim(),
      text.slice(0, 500) || undefined,
    );
  }
}

function unreachable(url: string, err: unknown): ApiError {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new ApiError(0, "unreachable", `cannot reach ${url}: ${why}`);
}
