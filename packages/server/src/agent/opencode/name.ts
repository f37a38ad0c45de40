/**
 * "opencode" is a kind of agent, not an agent: each OpenCode profile is a registered agent of that kind,
 * named after its profile. A session pins the kind ("opencode") and names a profile. These are the one
 * place that turns one into the other (built-in registry rows, submit, routing, the engine's run).
 */

export const kind = "opencode";

export const isKind = (agent: string): boolean => agent === kind;

/** The registered name of the agent that runs `profile`. */
export const agentOf = (profile: string): string => profile;

/** The registered agent a session's pin names: for the kind, its profile's agent (or the default's). */
export function pin(
  agent: string | null,
  profile: string | null,
  defaultProfile: string,
): { name: string; kind?: typeof kind } | null {
  if (agent === null) return null;
  return isKind(agent) ? { name: agentOf(profile ?? defaultProfile), kind } : { name: agent };
}

/** The profile a run uses: an OpenCode agent runs its own; any other agent gets the session's. */
export const profileOf = (agent: { kind: string; name: string }, session: string | null): string | null =>
  agent.kind === kind ? agent.name : session;
