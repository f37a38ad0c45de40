import { Plan } from "@orchestrator/sdk";
import type { Tone } from "../../ui/status.ts";

/** A task state's tone (the CSS colour) and a glyph, so a state reads without colour too. */
export const taskTone: Record<Plan.TaskStatus, Tone> = {
  blocked: "idle",
  ready: "queue",
  running: "run",
  succeeded: "done",
  failed: "bad",
  upstream_failed: "hold",
  skipped: "idle",
  cancelled: "idle",
  conflicted: "ask",
};

export const taskGlyph: Record<Plan.TaskStatus, string> = {
  blocked: "◌",
  ready: "○",
  running: "▶",
  succeeded: "✓",
  failed: "✕",
  upstream_failed: "↑",
  skipped: "»",
  cancelled: "⊘",
  conflicted: "!",
};

export const planTone: Record<Plan.PlanStatus, Tone> = {
  draft: "idle",
  running: "run",
  succeeded: "done",
  failed: "bad",
  partially_succeeded: "hold",
  cancelled: "idle",
};

export const taskStates: readonly Plan.TaskStatus[] = Plan.TaskStatus.options;
export const planStates: readonly Plan.PlanStatus[] = Plan.PlanStatus.options;

export const canRetry = (s: Plan.TaskStatus) => ["failed", "conflicted", "cancelled"].includes(s);
export const canSkip = (s: Plan.TaskStatus) =>
  ["blocked", "ready", "failed", "conflicted", "cancelled"].includes(s);

/** Minutes as a person says them: "45 s", "12 min", "3.5 h", "2.1 d". */
export function minutes(m: number | null | undefined): string {
  if (m == null || !Number.isFinite(m)) return "—";
  if (m < 1) return `${Math.round(m * 60)} s`;
  if (m < 90) return `${m < 10 ? m.toFixed(1).replace(/\.0$/, "") : Math.round(m)} min`;
  if (m < 60 * 36) return `${(m / 60).toFixed(1).replace(/\.0$/, "")} h`;
  return `${(m / 1440).toFixed(1).replace(/\.0$/, "")} d`;
}

/** Minutes between two instants (the second defaults to now), or null before the first. */
export function spent(from: string | null, to: string | null, now = Date.now()): number | null {
  if (!from) return null;
  return Math.max(0, ((to ? Date.parse(to) : now) - Date.parse(from)) / 60_000);
}

/** Why a task ended as it did, in words: the server's `reason` is data of a few known shapes. */
export function why(reason: unknown): string | null {
  if (reason == null) return null;
  if (typeof reason !== "object") return String(reason);
  const r = reason as Record<string, unknown>;
  if (Array.isArray(r.conflict))
    return `merge conflicted in ${r.conflict.join(", ")}${r.branch ? ` (branch ${String(r.branch)})` : ""}`;
  const resolving = r.resolving as { conflict?: string[]; branch?: string } | undefined;
  if (Array.isArray(resolving?.conflict))
    return `resolving its merge conflict in ${resolving.conflict.join(", ")}: its agent brings its earlier work (${resolving.branch ?? "its branch"}) onto the integration branch`;
  if (r.launch && typeof r.launch === "object")
    return `could not start: ${String((r.launch as { message?: unknown }).message ?? "")}`;
  if (r.by === "fail_fast") return "cancelled by fail-fast: another task failed";
  if (r.by === "rule" && r.prerequisites && typeof r.prerequisites === "object") {
    const n = Object.entries(r.prerequisites as Record<string, number>)
      .filter(([, v]) => v > 0)
      .map(([k, v]) => `${v} ${k.replace(/_/g, " ")}`);
    return `its trigger rule cannot hold: prerequisites ${n.join(", ") || "ended"}`;
  }
  if (typeof r.by === "string") return `by ${r.by}`;
  if ("session" in r) {
    const e = r.error as { message?: string; code?: string } | string | null | undefined;
    const msg = typeof e === "string" ? e : (e?.message ?? e?.code);
    return `its session ended ${String(r.session)}${msg ? `: ${msg}` : ""}`;
  }
  return JSON.stringify(reason);
}

/** A task's result summary, when its result has one. */
export function summaryOf(result: unknown): string | null {
  if (!result || typeof result !== "object") return null;
  const s = (result as { summary?: unknown }).summary;
  return typeof s === "string" && s ? s : null;
}
