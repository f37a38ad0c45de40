import type { Plan, Priority } from "@orchestrator/sdk";

/**
 * The reference's two templates (reference-backend.md §4.3.5) with the subtask lists they declared and never
 * used, and its four rules (§4.3.6), which never produced a child (each child lacked its tenant id). Both
 * are data here: a pattern lists its parts and the edges between them; decompose.ts turns them into tasks.
 */

export interface Part {
  /** The task key inside its pattern; the plan's key is `<prefix>.<key>`. */
  key: string;
  name: string;
  type: string;
  capabilities: string[];
  /** Templates declare hours; rules take a share of the goal's estimate, as the reference computed them. */
  size: { hours: number } | { share: number };
  priority?: Priority;
  /** What the agent is to do: the heart of the task's prompt. */
  does: string;
}

export interface LocalEdge {
  from: string;
  to: string;
  type: Plan.EdgeType;
}

export interface Pattern {
  name: string;
  kind: "template" | "rule";
  prefix: string;
  /** Whole words that select it from the goal. */
  words: RegExp;
  parts: Part[];
  edges: LocalEdge[];
}

export const fs = (from: string, to: string): LocalEdge => ({ from, to, type: "finish_to_start" });
export const ss = (from: string, to: string): LocalEdge => ({ from, to, type: "start_to_start" });
export const chain = (parts: Part[]) => parts.slice(1).map((p, i) => fs(parts[i]!.key, p.key));

/** For parts that think rather than code: their answer reaches the next tasks through the final message. */
export const record = (what: string) =>
  `Put ${what} in your final message, which the next tasks receive; change no code.`;
