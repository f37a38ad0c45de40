import { z } from "zod";
import { Capability, Name, type Profile as PublicProfile } from "@orchestrator/sdk";
import { AppError } from "../../error.ts";
import { label as demoLabel } from "./demo-llm.ts";

/** One rule of an OpenCode permission ruleset; the last matching rule wins (reference/opencode.md §8). */
export const Rule = z
  .object({
    permission: z.string().min(1).max(64),
    pattern: z.string().min(1).max(500).default("*"),
    action: z.enum(["allow", "ask", "deny"]),
  })
  .strict();
export type Rule = z.output<typeof Rule>;

/**
 * An agent profile: which model, which OpenCode agent, what it may do alone and what needs a person.
 * Profiles come from the config file (`opencode.profiles`); `demo` and `demo-supervised` are built in.
 */
export const Profile = z
  .object({
    name: Name,
    label: z.string().max(200).optional(),
    model: z.string().regex(/^[a-z0-9._-]+\/.+$/i, "provider/model"),
    agent: z.enum(["build", "plan"]).default("build"),
    system: z.string().max(20_000).optional().describe("added to OpenCode's system prompt"),
    /** A preset, or explicit rules laid over the autonomous preset. */
    permission: z.union([z.enum(["autonomous", "supervised"]), z.array(Rule).max(100)]).default("autonomous"),
    capabilities: z
      .array(Capability)
      .max(40)
      // A coding agent on a capable model also analyses, designs, reviews for security and performance
      // and writes deployment configuration in its worktree: the words a decomposed plan's tasks ask for.
      .default([
        "code_generation",
        "test_generation",
        "testing",
        "documentation",
        "refactoring",
        "debugging",
        "bug_fixing",
        "code_review",
        "requirements_analysis",
        "system_design",
        "architecture_planning",
        "task_decomposition",
        "security_audit",
        "performance_analysis",
        "optimization",
        "troubleshooting",
        "root_cause_analysis",
        "configuration",
        "deployment",
        "backend_development",
        "frontend_development",
        "database_design",
        "api_development",
      ]),
    /** A pending approval is answered by `onTimeout` after this long, so nothing waits unseen for ever. */
    approvalTimeoutSec: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .default(1800),
    onTimeout: z.enum(["reject", "fail"]).default("reject"),
  })
  .strict();
export type Profile = z.output<typeof Profile>;

/** Nothing blocks on a person: everything the agent may do is allowed, the rest denied. */
export const autonomous: Rule[] = [
  { permission: "edit", pattern: "*", action: "allow" },
  { permission: "bash", pattern: "*", action: "allow" },
  { permission: "read", pattern: "*", action: "allow" },
  { permission: "webfetch", pattern: "*", action: "deny" },
  { permission: "external_directory", pattern: "*", action: "deny" },
  { permission: "doom_loop", pattern: "*", action: "deny" },
  { permission: "question", pattern: "*", action: "deny" },
];

/** Edits are free; shell commands, and questions the agent has, wait for a person. */
export const supervised: Rule[] = [
  ...autonomous.filter((r) => r.permission !== "question" && r.permission !== "bash"),
  { permission: "bash", pattern: "*", action: "ask" },
  { permission: "question", pattern: "*", action: "allow" },
];

export function rules(p: Profile): Rule[] {
  if (p.permission === "autonomous") return autonomous;
  if (p.permission === "supervised") return supervised;
  return [...autonomous, ...p.permission];
}

export const demoProvider = "demo";

/** The built-in profiles, plus one per real provider whose key is configured. */
export function builtins(keys: { anthropic: boolean; openai: boolean }): Profile[] {
  const out: Profile[] = [
    Profile.parse({ name: "demo", label: `Demo (${demoLabel})`, model: "demo/demo-model" }),
    Profile.parse({
      name: "demo-supervised",
      label: "Demo, asking before shell commands",
      model: "demo/demo-model",
      permission: "supervised",
    }),
  ];
  if (keys.anthropic)
    out.push(
      Profile.parse({ name: "anthropic", label: "Claude Sonnet", model: "anthropic/claude-sonnet-4-5" }),
    );
  if (keys.openai) out.push(Profile.parse({ name: "openai", label: "GPT-5", model: "openai/gpt-5" }));
  return out;
}

export interface Catalog {
  get(name: string | null | undefined): Profile;
  all(): Profile[];
  default: string;
  providers(): string[];
}

/**
 * The profiles of this node. The default is the configured one, else the first real-provider profile,
 * else the demo model, so `npm start` without any key still runs a real OpenCode end to end.
 */
export function catalog(
  configured: Profile[],
  keys: { anthropic: boolean; openai: boolean },
  preferred?: string,
): Catalog {
  const byName = new Map<string, Profile>();
  for (const p of [...builtins(keys), ...configured]) byName.set(p.name, p);
  const real = [...byName.values()].find((p) => !p.model.startsWith(`${demoProvider}/`));
  const fallback = preferred ?? real?.name ?? "demo";
  if (!byName.has(fallback))
    throw new AppError("validation_failed", `opencode.defaultProfile: no profile named ${fallback}`);
  return {
    default: fallback,
    all: () => [...byName.values()],
    get: (name) => {
      const p = byName.get(name ?? fallback);
      if (!p)
        throw new AppError("validation_failed", `body.profile: no profile named ${name}`, {
          issues: [{ path: "body.profile", message: `known: ${[...byName.keys()].join(", ")}` }],
        });
      return p;
    },
    providers: () => [...new Set([...byName.values()].map((p) => p.model.split("/")[0]!))],
  };
}

export function toPublic(p: Profile, keys: { anthropic: boolean; openai: boolean }): PublicProfile {
  const provider = p.model.split("/")[0]!;
  const needs = provider === "anthropic" || provider === "openai" ? provider : null;
  const available = !needs || keys[needs];
  return {
    name: p.name,
    label: p.label ?? p.name,
    model: p.model,
    agent: p.agent,
    autonomous: !rules(p).some((r) => r.action === "ask"),
    capabilities: p.capabilities,
    available,
    ...(available ? {} : { reason: `${needs!.toUpperCase()}_API_KEY is not set` }),
  };
}
