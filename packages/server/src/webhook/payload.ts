import { createHmac } from "node:crypto";
import type { z } from "zod";
import type { EventData, Landing, Plan, Status, WebhookEvent } from "@orchestrator/sdk";

/**
 * What a log entry becomes for webhooks (pure): which webhook event, its data and a one-line summary for
 * chat. Entries of other types, and status changes nobody asked about (a claim, a retry), become nothing.
 */

/** The log's entry types the fan-out reads; every other type is skipped in SQL. */
export const sources = [
  "session.status",
  "approval.requested",
  "session.landing",
  "plan.status",
  "plan.landing",
] as const;

/** One log entry as the fan-out reads it, with its session's or plan's title and current status. */
export interface Entry {
  id: number;
  type: string;
  at: string;
  data: unknown;
  sessionId: string | null;
  planId: string | null;
  title: string;
  status: string;
}

export interface Made {
  event: WebhookEvent;
  body: Omit<Body, "id">;
}

/** The JSON body of a delivery; `id` is the delivery's, the same on every attempt. */
export interface Body {
  id: string;
  type: string;
  at: string;
  text: string;
  data: Record<string, unknown>;
}

const endings: Partial<Record<Status, WebhookEvent>> = {
  completed: "session.completed",
  partially_completed: "session.completed",
  failed: "session.failed",
  timeout: "session.failed",
  orphaned: "session.failed",
  cancelled: "session.cancelled",
  stopped: "session.cancelled",
};

/** `base`: where people open the Control Room (links in the text and data), when known. */
export function make(e: Entry, base: string | null): Made | null {
  const link = (kind: "sessions" | "plans", id: string) => (base ? `${base}/${kind}/${id}` : null);
  const tail = (url: string | null) => (url ? ` · ${url}` : "");
  if (e.sessionId) {
    const url = link("sessions", e.sessionId);
    const session = { id: e.sessionId, title: e.title, status: e.status, url };
    const name = `Session "${e.title}"`;
    if (e.type === "session.status") {
      const d = e.data as EventData<"session.status">;
      const event = endings[d.to];
      if (!event) return null;
      const why = d.error ? `: ${d.error.message}` : d.reason ? `: ${d.reason}` : "";
      const text = `${name} ${d.to.replace("_", " ")}${why}${tail(url)}`;
      const data = { session, from: d.from, to: d.to, error: d.error ?? null, reason: d.reason ?? null };
      return { event, body: { type: event, at: e.at, text, data } };
    }
    if (e.type === "approval.requested") {
      const d = e.data as EventData<"approval.requested">;
      const what = d.request.command ? `run \`${clip(d.request.command)}\`` : clip(d.request.title);
      const text = `${name} waits for a person: ${what}${tail(url)}`;
      const approval = { id: d.approvalId, kind: d.kind, title: d.request.title, expiresAt: d.expiresAt };
      const data = { session, approval, command: d.request.command ?? null };
      return { event: "session.waiting", body: { type: "session.waiting", at: e.at, text, data } };
    }
    if (e.type === "session.landing") {
      const d = e.data as Landing;
      const how = landed(d);
      const text = `${name}: ${how}${tail(url)}`;
      return {
        event: "session.landing",
        body: { type: "session.landing", at: e.at, text, data: { session, landing: fields(d) } },
      };
    }
    return null;
  }
  if (e.planId && e.type === "plan.status") {
    const d = e.data as z.output<(typeof Plan.PlanEventData)["plan.status"]>;
    const url = link("plans", e.planId);
    const plan = { id: e.planId, title: e.title, status: e.status, url };
    const text = `Plan "${e.title}": ${d.from} → ${d.to}${d.paused ? " (paused)" : ""}${tail(url)}`;
    const data = { plan, from: d.from, to: d.to, by: d.by ?? null };
    return { event: "plan.status", body: { type: "plan.status", at: e.at, text, data } };
  }
  if (e.planId && e.type === "plan.landing") {
    const d = e.data as Landing;
    const url = link("plans", e.planId);
    const plan = { id: e.planId, title: e.title, status: e.status, url };
    const text = `Plan "${e.title}": ${landed(d)}${tail(url)}`;
    return {
      event: "plan.landing",
      body: { type: "plan.landing", at: e.at, text, data: { plan, landing: fields(d) } },
    };
  }
  return null;
}

const clip = (s: string) => (s.length > 200 ? `${s.slice(0, 199)}…` : s);

/** The test delivery's body. */
export function ping(webhookId: string, at: Date): Omit<Body, "id"> {
  return {
    type: "ping",
    at: at.toISOString(),
    text: "Test delivery from Industrial Orchestrator: this webhook is reached",
    data: { webhookId },
  };
}

/**
 * The signature header's value, Stripe's scheme: the timestamp is signed with the body, so a receiver that
 * refuses old timestamps also refuses a replayed request.
 */
export function signature(secret: string, unixSeconds: number, body: string): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

/** The wait after failed attempt `n` (1-based): base · 2^(n−1), at most `cap`. */
export const backoff = (n: number, base: number, cap: number): number =>
  Math.min(cap, base * 2 ** Math.max(0, n - 1));

/** A landing's fields as a delivery carries them: every one present, null when it does not apply. */
const fields = (d: Landing) => ({
  how: d.how,
  outcome: d.outcome,
  branch: d.branch,
  base: d.base ?? null,
  remote: d.remote ?? null,
  url: d.url ?? null,
  commit: d.commit ?? null,
  reason: d.reason ?? null,
  by: d.by,
});

/** A landing in words: merged, pushed, a pull request opened, or why not. */
function landed(d: Landing): string {
  const no = d.outcome === "refused" || d.outcome === "failed";
  if (d.how === "push")
    return no
      ? `${d.branch} could not be pushed (${d.reason ?? d.outcome})`
      : `${d.branch} pushed to ${d.remote}`;
  if (d.how === "pr")
    return no
      ? `no pull request for ${d.branch} (${d.reason ?? d.outcome})`
      : `pull request opened: ${d.url}`;
  return no
    ? `could not be merged into ${d.base} (${d.reason ?? "refused"})`
    : `${d.branch} merged into ${d.base}`;
}
