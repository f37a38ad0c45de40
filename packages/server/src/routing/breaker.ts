import type { Breaker } from "@orchestrator/sdk";

/** One finished attempt, as the breaker sees it (cancelled and released attempts are nobody's fault: left out). */
export interface Outcome {
  startedAt: number;
  endedAt: number;
  ok: boolean;
}

export interface Policy {
  /** Fewer outcomes than this never open the breaker (a new agent is not judged on two tries). */
  minSamples: number;
  /** Opens when the success rate over the window falls below this. */
  openBelow: number;
  window: number;
  coolDownMs: number;
  /** Consecutive successful probes that close a half-open breaker. */
  probes: number;
}

export const policy: Policy = { minSamples: 5, openBelow: 0.3, window: 20, coolDownMs: 60_000, probes: 2 };

export interface Transition {
  at: number;
  to: Breaker["state"];
  reason: string;
}

/**
 * The breaker is derived, not stored: replaying an agent's outcomes in the order they ended gives its state
 * and every transition, the same on every node. Hysteresis: it opens when fewer than 30 % of the last ≥ 5
 * attempts succeeded, but closes only after `probes` successes in a row once the cool-down let probes
 * through (one at a time); a failed probe opens it again, and a closed breaker starts a fresh window.
 */
export function replay(outcomes: readonly Outcome[], now: number, p: Policy = policy) {
  let state = "closed" as Breaker["state"];
  let since: number | null = null;
  let probeAt: number | null = null;
  let reason: string | null = null;
  let window: boolean[] = [];
  let probesOk = 0;
  const transitions: Transition[] = [];
  const move = (to: Breaker["state"], at: number, why: string) => {
    state = to;
    since = at;
    reason = why;
    transitions.push({ at, to, reason: why });
  };
  const halfOpen = (at: number) => {
    if (state === "open" && probeAt !== null && at >= probeAt) {
      move("half_open", probeAt, "cool-down over: probing");
      probesOk = 0;
    }
  };
  for (const o of outcomes) {
    halfOpen(o.endedAt);
    if (state === "open") continue; // started before it opened
    if (state === "half_open") {
      if (o.startedAt < since!) continue; // not a probe: it started before the cool-down ended
      if (!o.ok) {
        move("open", o.endedAt, "a probe failed");
        probeAt = o.endedAt + p.coolDownMs;
      } else if (++probesOk >= p.probes) {
        move("closed", o.endedAt, `${probesOk} probes succeeded`);
        window = [];
        probeAt = null;
      }
      continue;
    }
    window.push(o.ok);
    if (window.length > p.window) window.shift();
    const ok = window.filter(Boolean).length;
    if (window.length >= p.minSamples && ok / window.length < p.openBelow) {
      move("open", o.endedAt, `${window.length - ok} of the last ${window.length} attempts failed`);
      probeAt = o.endedAt + p.coolDownMs;
    }
  }
  halfOpen(now);
  const view: Breaker = {
    state,
    since: since === null ? null : new Date(since).toISOString(),
    probeAt: state === "open" && probeAt !== null ? new Date(probeAt).toISOString() : null,
    reason,
  };
  return { breaker: view, transitions };
}
