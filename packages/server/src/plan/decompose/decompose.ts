import { z } from "zod";
import { Plan } from "@orchestrator/sdk";
import { AppError } from "../../error.ts";
import { analyze, bands, scale, triple, type Analysis } from "./complexity.ts";
import type { LocalEdge, Part, Pattern } from "./pattern.ts";
import { rules } from "./rules.ts";
import { templates } from "./templates.ts";
import { found, infer } from "./words.ts";

/**
 * A goal → a draft plan, by the reference's heuristics (reference-backend.md §4.3), pure and deterministic.
 *
 * Reference defects fixed here and in the files beside this one:
 * - rules never produced a child (each lacked its tenant id): here they do; tenant ids are moot, a draft has
 *   none until it is created for a tenant;
 * - templates ignored their declared subtask lists: here the lists are the tasks (patterns.ts);
 * - substring keywords ("ui" in "build", "auth" in "author"): whole words (words.ts);
 * - the 1-hour clamp's dead branches, "likely only" triples, and the lexicographic band comparison
 *   (complexity.ts);
 * - the API's template names "microservice", "crud", "security" matched no template: they name rules here;
 * - duplicated grandchildren are moot: there is no recursion. The reference recursed with its generic
 *   strategies ("<title> - Component 2"), whose children say nothing an agent could act on; a plan is one
 *   level of tasks with edges, bounded by `maxTasks`.
 */

/** Names a caller may ask for: the template keys, and the rule names the reference's API advertised. */
export const names = [...templates, ...rules].map((p) => p.name);

/** The request, shared with clients (sdk/plan.ts); its names must be exactly ours (decompose.test.ts). */
export const Input = Plan.DecomposeRequest;
/** Unchecked: `decompose` parses it (an unknown template is a 422 naming the field). */
export type Input = Omit<z.input<typeof Input>, "template"> & { template?: string };

export interface Match {
  name: string;
  kind: "template" | "rule" | "default";
  /** Chosen by the caller's `template`, by words of the goal, or because nothing matched. */
  by: "name" | "words" | "nothing";
  /** The goal's words that selected it, lower-cased. */
  why: string[];
}

export interface Result {
  draft: { title: string; goal?: string; tasks: Plan.TaskInput[]; edges: Plan.Edge[] };
  analysis: Analysis & {
    /** Capabilities the goal's words ask for (§4.3.3). */
    capabilities: string[];
    matched: Match[];
    /** Tasks left out by `maxTasks`. */
    dropped: number;
  };
}

export function decompose(input: Input): Result {
  const parsed = Input.safeParse(input);
  if (!parsed.success) throw invalid(parsed.error);
  const { title, goal, template, maxTasks } = parsed.data;
  // The title is part of what the work is, unless the goal already says it (a CLI goal often is both).
  const text = goal.toLowerCase().includes(title.toLowerCase()) ? goal : `${title}\n${goal}`;
  const analysis = analyze(text);
  const capabilities = infer(text);

  let chosen: [Pattern, Match][];
  if (template) {
    const p = [...templates, ...rules].find((x) => x.name === template)!;
    chosen = [[p, { name: p.name, kind: p.kind, by: "name", why: [] }]];
  } else {
    chosen = [...templates, ...rules]
      .map((p): [Pattern, Match] => [
        p,
        { name: p.name, kind: p.kind, by: "words", why: found(p.words, text) },
      ])
      .filter(([, m]) => m.why.length > 0);
  }
  if (!chosen.length) {
    const p = fallback(analysis, capabilities);
    chosen = [[p, { name: p.name, kind: "default", by: "nothing", why: [] }]];
  }

  const all = chosen.flatMap(([p]) => p.parts.map((part) => ({ key: global(p, part.key), part })));
  const kept = all.slice(0, maxTasks);
  const keys = new Set(kept.map((t) => t.key));
  const seen = new Set<string>();
  const edges: Plan.Edge[] = [];
  for (const [p] of chosen)
    for (const e of p.edges) {
      const edge = { from: global(p, e.from), to: global(p, e.to), type: e.type };
      const id = `${edge.from}>${edge.to}`;
      if (!keys.has(edge.from) || !keys.has(edge.to) || seen.has(id)) continue;
      seen.add(id);
      edges.push(edge);
    }

  const label = new Map(kept.map((t) => [t.key, t.part.name]));
  const single = chosen[0]![0].name === "single";
  const tasks: Plan.TaskInput[] = kept.map(({ key, part }) => ({
    key,
    title: single ? title : titled(title, part.name),
    prompt: prompt({ title, goal: goal.trim() || title, part, key, edges, label }),
    type: part.type,
    capabilities: part.capabilities,
    priority: part.priority ?? "medium",
    estimate: "hours" in part.size ? triple(part.size.hours) : scale(analysis.estimate, part.size.share),
    triggerRule: "all_success",
  }));

  return {
    draft: { title, ...(goal.trim() ? { goal } : {}), tasks, edges },
    analysis: {
      ...analysis,
      capabilities,
      matched: chosen.map(([, m]) => m),
      dropped: all.length - kept.length,
    },
  };
}

const global = (p: Pattern, key: string) => (p.prefix ? `${p.prefix}.${key}` : key);

/**
 * A goal no template or rule matches: one task when it reads as under an hour, else analyse → implement →
 * test. The implementer needs what the goal asks for, less what the analysis and test tasks already cover.
 */
function fallback(a: Analysis, capabilities: string[]): Pattern {
  if (bands.indexOf(a.band) <= bands.indexOf("simple")) {
    const part: Part = {
      key: "task",
      name: "Task",
      type: "implementation",
      capabilities,
      size: { share: 1 },
      does: "Do what the goal asks, following the code base's conventions, and cover it with tests where the project has tests.",
    };
    return { name: "single", kind: "rule", prefix: "", words: /$^/, parts: [part], edges: [] };
  }
  const implement = capabilities.filter((c) => c !== "requirements_analysis" && c !== "test_generation");
  const parts: Part[] = [
    {
      key: "analyse",
      name: "Analysis",
      type: "analysis",
      capabilities: ["requirements_analysis"],
      size: { share: 0.2 },
      does: "Read the code this goal concerns and work out what must change and how to check it. Put your findings and a short plan in your final message, which the next tasks receive; change no code.",
    },
    {
      key: "implement",
      name: "Implementation",
      type: "implementation",
      capabilities: implement.length ? implement : ["code_generation"],
      size: { share: 0.6 },
      does: "Make the change the goal asks for, following the analysis and the code base's conventions; keep the build passing.",
    },
    {
      key: "test",
      name: "Testing",
      type: "testing",
      capabilities: ["test_generation"],
      size: { share: 0.2 },
      does: "Test the change: add or update automated tests for what the goal asks, run the whole suite and fix what fails.",
    },
  ];
  const edges: LocalEdge[] = [
    { from: "analyse", to: "implement", type: "finish_to_start" },
    { from: "implement", to: "test", type: "finish_to_start" },
  ];
  return { name: "analyse_implement_test", kind: "rule", prefix: "", words: /$^/, parts, edges };
}

/** "<plan title> - <part>", as the reference titled children, shortening the plan title to fit 200. */
function titled(title: string, name: string): string {
  const room = 200 - name.length - 3;
  return `${title.length > room ? `${title.slice(0, room - 1)}…` : title} - ${name}`;
}

const maxGoal = 90_000;

function prompt(o: {
  title: string;
  goal: string;
  part: Part;
  key: string;
  edges: Plan.Edge[];
  label: Map<string, string>;
}): string {
  const goal = o.goal.length > maxGoal ? `${o.goal.slice(0, maxGoal)}…` : o.goal;
  const list = (keys: string[]) => keys.map((k) => o.label.get(k)).join(", ");
  const after = o.edges.filter((e) => e.to === o.key && e.type === "finish_to_start").map((e) => e.from);
  const beside = o.edges.filter((e) => e.to === o.key && e.type === "start_to_start").map((e) => e.from);
  const others = [...o.label.keys()].filter((k) => k !== o.key);
  if (!others.length) return `Goal: ${goal}\n\n${o.part.does}`;
  const lines = [
    `Goal: ${goal}`,
    "",
    `Your part: ${o.part.name}. ${o.part.does}`,
    "",
    `This is one task of the plan "${o.title}"; other tasks do the rest: ${list(others)}.`,
  ];
  if (after.length) lines.push(`It comes after: ${list(after)}.`);
  if (beside.length) lines.push(`It is built alongside: ${list(beside)}.`);
  lines.push("Do only your part.");
  return lines.join("\n");
}

function invalid(error: z.ZodError): AppError {
  const issues = error.issues.map((i) => ({
    path: i.path.map(String).join("."),
    message: i.message,
    code: i.code,
  }));
  return new AppError("validation_failed", issues.map((i) => `${i.path}: ${i.message}`).join("; "), {
    issues,
  });
}
