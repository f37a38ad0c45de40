import type { DayTotals, Outcome, Totals } from "@orchestrator/sdk";
import { compact, dollars } from "../../ui/number.ts";
import { span } from "../../ui/time.tsx";
import type { Tone } from "../../ui/status.ts";

/** What the totals charts can measure, each with its words and its format. */
export type Measure = "sessions" | "tokens" | "cost" | "durationSec";
interface Words {
  label: string;
  axis: string;
  format: (v: number) => string;
  /** An axis tick: round values, said short. */
  tick: (v: number) => string;
}
/** 30s, 5m, 2h, 1m15s: a time tick, as short as its value allows. */
function clockTick(s: number): string {
  if (s >= 3600 && s % 3600 === 0) return `${s / 3600}h`;
  if (s >= 60 && s % 60 === 0) return `${s / 60}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${s}s`;
}
export const measures: Record<Measure, Words> = {
  sessions: { label: "Sessions", axis: "sessions", format: String, tick: String },
  tokens: { label: "Tokens", axis: "tokens", format: compact, tick: compact },
  cost: { label: "Cost", axis: "US dollars", format: dollars, tick: dollars },
  durationSec: { label: "Run time", axis: "run time", format: (s) => span(s * 1000), tick: clockTick },
};
export const isMeasure = (v: string | null): v is Measure => !!v && v in measures;

/** Sessions are drawn stacked by outcome, in this order from the axis up, in the status tones. */
export const outcomes: { key: Outcome; tone: Tone; label: string }[] = [
  { key: "completed", tone: "done", label: "completed" },
  { key: "failed", tone: "bad", label: "failed" },
  { key: "cancelled", tone: "idle", label: "cancelled" },
  { key: "active", tone: "run", label: "active" },
];

export interface Part {
  label: string;
  tone: Tone;
  value: number;
}
/** One bar's parts: the outcomes when counting sessions, else the one measured value. */
export function parts(t: Totals, m: Measure): Part[] {
  if (m === "sessions") return outcomes.map((o) => ({ label: o.label, tone: o.tone, value: t[o.key] }));
  return [{ label: measures[m].label.toLowerCase(), tone: "done", value: t[m] }];
}

/** "2 completed, 1 failed" or "$1.25": one bar in words, for its title and for screen readers. */
export function words(t: Totals, m: Measure): string {
  if (m !== "sessions") return measures[m].format(t[m]);
  const said = parts(t, m).filter((p) => p.value);
  return `${t.sessions} ${t.sessions === 1 ? "session" : "sessions"}${said.length ? `: ${said.map((p) => `${p.value} ${p.label}`).join(", ")}` : ""}`;
}

// Steps a time axis reads well in: seconds, then whole minutes, then whole hours.
const timeSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200];

/**
 * The ticks of a value axis from 0 to a round top at or above `max`: steps of 1, 2 or 5 × 10^k (whole
 * numbers for counts; minutes and hours for time), about `count` of them. An empty chart gets 0 and 1.
 */
export function ticks(max: number, m: Measure, count = 4): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  let step: number;
  if (m === "durationSec") step = timeSteps.find((s) => s >= raw) ?? Math.ceil(raw / 86_400) * 86_400;
  else {
    const p = 10 ** Math.floor(Math.log10(raw));
    step = [1, 2, 5, 10].map((k) => k * p).find((s) => s >= raw * (1 - 1e-9))!;
    if (m !== "cost") step = Math.max(1, Math.round(step));
  }
  const n = Math.ceil(max / step - 1e-9);
  // toFixed: 3 × 0.1 is 0.30000000000000004, which a label would show.
  return Array.from({ length: n + 1 }, (_, i) => Number((i * step).toFixed(10)));
}

/**
 * Which day labels fit under `width` px at `px` each: every k-th, counted back from today so today (the
 * last day) is always labelled.
 */
export function labelled(n: number, width: number, px: number): (i: number) => boolean {
  const k = Math.max(1, Math.ceil((n * px) / Math.max(1, width)));
  return (i) => (n - 1 - i) % k === 0;
}

const dayFormat = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
/** "Dec 6" for "2026-12-06" (a UTC day, shown as that day wherever the browser is). */
export const dayLabel = (d: DayTotals | string) =>
  dayFormat.format(new Date(`${typeof d === "string" ? d : d.day}T00:00:00Z`));
