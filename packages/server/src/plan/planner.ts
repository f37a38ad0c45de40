import { z } from "zod";
import { Plan } from "@orchestrator/sdk";
import { build } from "./graph.ts";

/**
 * The third way to make a plan: an agent plans. A planning session is given the goal and the exact shape
 * of a graph; its final answer must hold that graph as JSON. The answer is checked against the same
 * schema and graph rules as a graph a person posts; an invalid one is sent back once, with the errors,
 * to a second planning session, and a second invalid answer fails the plan with them.
 */

/** How many planning sessions a plan gets: the first, and one more told what was wrong. */
export const maxAttempts = 2;

/** What a planner must answer: the graph part of a plan. */
export const Answer = z
  .object({
    tasks: z.array(Plan.TaskInput).min(1).max(200),
    edges: z.array(Plan.Edge).max(2000).default([]),
  })
  .strip();
export type Answer = z.output<typeof Answer>;

export function prompt(title: string, goal: string, feedback?: { answer: string; errors: string[] }): string {
  const parts = [
    `Plan this work as a dependency graph of tasks for coding agents. Do not change any files.`,
    `Title: ${title}`,
    `Goal:\n${goal}`,
    [
      `Reply with one JSON object, in a \`\`\`json fenced block, of this shape:`,
      `{"tasks": [{"key": "api", "title": "Build the API", "prompt": "what the agent must do, in full",`,
      `  "capabilities": ["code_generation"], "estimate": {"optimistic": 20, "likely": 40, "pessimistic": 90},`,
      `  "triggerRule": "all_success", "writeScope": ["src/api/"]}],`,
      ` "edges": [{"from": "api", "to": "ui"}]}`,
      `Rules: keys are unique (letters, digits, . _ -); an edge's "from" must finish before its "to" starts; no`,
      `cycles; estimates are minutes; each prompt stands alone (the agent sees only it and its`,
      `prerequisites' results); split only into independent, bounded tasks (at most 200); give writeScope`,
      `paths when you know them, so tasks that touch the same files do not run together.`,
    ].join("\n"),
  ];
  if (feedback)
    parts.push(
      `Your previous answer was refused:\n${feedback.errors.map((e) => `- ${e}`).join("\n")}\n` +
        `Previous answer:\n${feedback.answer.slice(0, 20_000)}\nAnswer again with the corrected graph.`,
    );
  return parts.join("\n\n");
}

/** The graph in an answer, or every reason it is not one (by field, like the API's 422). */
export function parse(text: string): { ok: true; graph: Answer } | { ok: false; errors: string[] } {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)```/.exec(text)?.[1];
  const start = text.indexOf("{");
  const raw = fenced ?? (start >= 0 ? text.slice(start, text.lastIndexOf("}") + 1) : "");
  if (!raw.trim()) return { ok: false, errors: ["the answer holds no JSON object"] };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch (err) {
    return { ok: false, errors: [`the answer's JSON does not parse: ${(err as Error).message}`] };
  }
  const r = Answer.safeParse(value);
  if (!r.success)
    return { ok: false, errors: r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`) };
  const built = build(
    r.data.tasks,
    r.data.edges.map((e) => ({ ...e, type: e.type ?? "finish_to_start" })),
  );
  if (!built.ok) return { ok: false, errors: built.problems.map((p) => `${p.path}: ${p.message}`) };
  return { ok: true, graph: r.data };
}
