import { ApiError, Diff, ErrorBody, Plan } from "@orchestrator/sdk";
import { z } from "zod";
import { useAuth } from "../../app/auth.tsx";

/**
 * The Plans API, checked by the SDK's schemas. The SDK's client has no `plans` yet; this is the shape it
 * would have (`client.plans.get(id)` …), so moving to it is a rename.
 */
export type PlanAction = "start" | "cancel" | "pause" | "resume";
export type TaskAction = "retry" | "skip";

const at = (id: string) => `/api/v1/plans/${encodeURIComponent(id)}`;

export function usePlans() {
  const { client, key } = useAuth();
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
      throw new ApiError(0, "unreachable", `the server could not be reached: ${(err as Error).message}`);
    }
    const text = await res.text();
    const json = text ? (JSON.parse(text) as unknown) : null;
    if (!res.ok) {
      const e = ErrorBody.safeParse(json);
      if (e.success)
        throw new ApiError(res.status, e.data.error.code, e.data.error.message, e.data.error.details);
      throw new ApiError(res.status, "http_error", `${res.status} ${res.statusText}`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new ApiError(
        res.status,
        "bad_response",
        `unexpected response from ${method} ${path}: ${parsed.error.message}`,
        json,
      );
    return parsed.data as z.output<T>;
  }
  return {
    list: (q: { status?: Plan.PlanStatus; limit?: number; cursor?: string }) => {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
      return call(Plan.Page, "GET", `/api/v1/plans${p.size ? `?${p}` : ""}`);
    },
    get: (id: string) => call(Plan.View, "GET", at(id)),
    create: (input: Plan.CreatePlan) => call(Plan.View, "POST", "/api/v1/plans", input),
    decompose: (input: Plan.DecomposeRequest) =>
      call(Plan.Decomposition, "POST", "/api/v1/plans/decompose", input),
    act: (id: string, action: PlanAction) => call(Plan.View, "POST", `${at(id)}/${action}`),
    task: (id: string, key: string, action: TaskAction) =>
      call(Plan.View, "POST", `${at(id)}/tasks/${encodeURIComponent(key)}/${action}`),
    /** The integration branch's diff against the base commit (404 while it has none). */
    diff: (id: string) => call(Diff, "GET", `${at(id)}/diff`),
  };
}
