import { z } from "zod";

/**
 * The one capability vocabulary: sessions require these, agents (OpenCode profiles, EAP and A2A agents)
 * declare them, routing matches them, A2A skills map onto them and the dashboard groups by them. It merges
 * the reference's two disagreeing lists (domain enum and API DTO) into one.
 */
export const vocabulary = {
  planning: ["requirements_analysis", "system_design", "architecture_planning", "task_decomposition"],
  implementation: [
    "code_generation",
    "test_generation",
    "testing",
    "documentation",
    "refactoring",
    "backend_development",
    "frontend_development",
    "database_design",
    "api_development",
  ],
  quality: ["code_review", "security_audit", "performance_analysis", "compliance_check"],
  problems: ["debugging", "bug_fixing", "troubleshooting", "root_cause_analysis", "optimization"],
  operations: ["deployment", "configuration", "monitoring", "scaling", "ci_cd"],
  coordination: ["workflow_orchestration", "resource_allocation", "conflict_resolution", "progress_tracking"],
  /** `workspace`: works in a git worktree the orchestrator prepares. `scripted`: the test double. */
  runtime: ["workspace", "scripted"],
} as const;

export const known: ReadonlySet<string> = new Set(Object.values(vocabulary).flat());

/** A word of the vocabulary, or a custom one spelled `x-…` (e.g. `x-python`) for a team's own needs. */
export const Capability = z
  .string()
  .max(64)
  .refine((c) => known.has(c) || /^x-[a-z0-9][a-z0-9_-]*$/.test(c), {
    message: "unknown capability: use one of the vocabulary (GET /api/v1/capabilities) or a custom x-… name",
  })
  .meta({ id: "Capability" });

/** Best-effort mapping of free words (A2A skill ids and tags) onto the vocabulary; unknown words are dropped. */
export function fromWords(words: string[]): string[] {
  const out = new Set<string>();
  for (const w of words) {
    const c = w
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, "_");
    if (known.has(c)) out.add(c);
    else if (/^x-[a-z0-9][a-z0-9_-]*$/.test(w)) out.add(w);
  }
  return [...out];
}
