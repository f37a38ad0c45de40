import type { Plan } from "@orchestrator/sdk";
import { has, words } from "./words.ts";

/**
 * How big a piece of work reads (reference-backend.md §4.3.1, §4.3.2, §2.5), in minutes. Changes from the
 * reference, each a defect it had:
 * - indicators match whole words with their inflections ("integration" counts for "integrate", "latest" no
 *   longer counts for "test"); technical terms also match their plurals ("microservices", "APIs");
 * - no 1-hour floor: the reference clamped the estimate to [1 h, 24 h], which made its < 15 min and < 1 h
 *   branches dead. The 24 h ceiling stays; the branches are live;
 * - above 8 h the reference answered a constant (6, 8, 12) h; we keep its shape, (0.75h, h, 1.5h), which is
 *   the same triple at 8 h and grows with the estimate up to the ceiling;
 * - every estimate is a full PERT triple (the reference's "likely only" triples had expected = 2/3 × likely);
 * - bands are ranked by number, never by comparing their names as strings (the reference's
 *   `value >= "moderate"` let trivial pass and complex fail).
 */

export const bands = ["trivial", "simple", "moderate", "complex", "expert"] as const;
export type Band = (typeof bands)[number];

/** §2.5: < 15 min trivial, < 1 h simple, < 4 h moderate, < 8 h complex, else expert; on expected minutes. */
export function band(minutes: number): Band {
  if (minutes < 15) return "trivial";
  if (minutes < 60) return "simple";
  if (minutes < 240) return "moderate";
  if (minutes < 480) return "complex";
  return "expert";
}

/** PERT: expected = (O + 4M + P) / 6. */
export const expected = (e: Plan.Estimate) => (e.optimistic + 4 * e.likely + e.pessimistic) / 6;

const whole = (m: number) => Math.max(1, Math.round(m));

/** Minutes from hours, rounded to whole minutes (at least one); the order O ≤ M ≤ P survives rounding. */
function minutes(o: number, l: number, p: number): Plan.Estimate {
  return { optimistic: whole(o * 60), likely: whole(l * 60), pessimistic: whole(p * 60) };
}

/** §4.3.2's triple for an estimate of `h` hours, in minutes. */
export function triple(h: number): Plan.Estimate {
  if (h < 0.25) return minutes(0.1, 0.25, 0.5);
  if (h < 1) return minutes(0.5 * h, h, 2 * h);
  if (h < 4) return minutes(0.7 * h, h, 1.5 * h);
  if (h < 8) return minutes(0.8 * h, h, 1.3 * h);
  return minutes(0.75 * h, h, 1.5 * h);
}

/** A share of a triple (a part of the work), in whole minutes. */
export function scale(e: Plan.Estimate, share: number): Plan.Estimate {
  return {
    optimistic: whole(e.optimistic * share),
    likely: whole(e.likely * share),
    pessimistic: whole(e.pessimistic * share),
  };
}

/** §4.3.1's indicators and their weights: each present one adds 0.1 × weight to the score, once. */
const indicators: [word: string, weight: number, re: RegExp][] = [
  ["must", 1, words("must")],
  ["should", 2, words("should")],
  ["could", 3, words("could")],
  ["would", 4, words("would")],
  ["implement", 2, words("implement(?:s|ed|ing|ation|ations)?")],
  ["create", 2, words("creat(?:e|es|ed|ing|ion)")],
  ["build", 3, words("build(?:s|ing)?", "built")],
  ["develop", 3, words("develop(?:s|ed|ing|ment)?")],
  ["design", 4, words("design(?:s|ed|ing)?")],
  ["architect", 5, words("architect(?:s|ure|ures|ural)?")],
  ["integrate", 4, words("integrat(?:e|es|ed|ing|ion|ions)")],
  ["deploy", 3, words("deploy(?:s|ed|ing|ment|ments)?")],
  ["test", 2, words("test(?:s|ed|ing)?")],
  ["document", 1, words("document(?:s|ed|ing|ation)?")],
];

/** §4.3.1's technical terms and their forms: each occurrence adds 0.2 (repetitions count, as in the reference). */
const terms: [term: string, form: string][] = [
  ["api", "apis?"],
  ["database", "databases?"],
  ["authentication", "authentication"],
  ["encryption", "encryption"],
  ["scalability", "scalability"],
  ["performance", "performance"],
  ["security", "security"],
  ["deployment", "deployments?"],
  ["integration", "integrations?"],
  ["microservice", "microservices?"],
  ["container", "containers?"],
  ["kubernetes", "kubernetes"],
  ["docker", "docker"],
  ["aws", "aws"],
  ["azure", "azure"],
  ["gcp", "gcp"],
  ["cloud", "clouds?"],
  ["serverless", "serverless"],
];
const anyTerm = words(...terms.map(([, f]) => `(${f})`));

export interface Analysis {
  words: number;
  sentences: number;
  /** Indicators present, by their §4.3.1 name. */
  indicators: string[];
  /** Technical terms in order of appearance, repetitions included. */
  terms: string[];
  score: number;
  /** The heuristic's estimate before it becomes a triple: words / 100 h × score, at most 24 h. */
  minutes: number;
  estimate: Plan.Estimate;
  /** PERT expected minutes of `estimate`; `band` comes from it. */
  expected: number;
  band: Band;
}

const round2 = (x: number) => Math.round(x * 100) / 100;

/** §4.3.1 + §4.3.2 on free text; empty text is the reference's default of one hour. */
export function analyze(text: string): Analysis {
  const tokens = text.split(/\s+/).filter(Boolean);
  const sentences = text.split(/[.!?]/).filter((s) => s.trim()).length;
  const present = indicators.filter(([, , re]) => has(re, text));
  // One capture group per term: the group that matched names the term.
  const seen = [...text.matchAll(anyTerm)].map((m) => terms[m.slice(1).findIndex(Boolean)]![0]);
  const score = round2(1 + present.reduce((s, [, w]) => s + 0.1 * w, 0) + 0.2 * seen.length);
  const hours = tokens.length ? Math.min(24, (tokens.length / 100) * score) : 1;
  const estimate = triple(hours);
  const e = round2(expected(estimate));
  return {
    words: tokens.length,
    sentences,
    indicators: present.map(([w]) => w),
    terms: seen,
    score,
    minutes: round2(hours * 60),
    estimate,
    expected: e,
    band: band(e),
  };
}
