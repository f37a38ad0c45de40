import type { AgentKind, AgentStatus, Breaker, LoadLevel, Tier } from "@orchestrator/sdk";

/** An agent as routing sees it: registry row, live load and what its finished attempts say. */
export interface Candidate {
  id: string;
  name: string;
  kind: AgentKind;
  tenantId: string | null;
  capabilities: readonly string[];
  capacity: number;
  load: number;
  /** Effective: a stale heartbeat already reads as offline. */
  status: AgentStatus;
  breaker: Breaker["state"];
  tier: Tier;
  /** Smoothed success rate by session type (and "*" over all), from finished attempts. */
  success: Record<string, number>;
}

export interface Need {
  tenantId: string;
  type: string;
  /** Required capabilities; a session with a workspace also needs `workspace`. */
  capabilities: readonly string[];
  /** A pinned agent: only it may run the session. */
  pin: { name: string; kind?: AgentKind } | null;
  prefer: { agents: readonly string[]; origin: "internal" | "external" | null };
  /** The agent of the failed previous attempt: a retry prefers another. */
  avoid: string | null;
}

export interface Scored {
  agent: Candidate;
  score: number;
}

export const internal = (k: AgentKind) => k === "opencode" || k === "scripted";

const tierScore: Record<Tier, number> = {
  elite: 1,
  advanced: 0.8,
  competent: 0.6,
  trainee: 0.4,
  degraded: 0,
};
const loadScore: Record<LoadLevel, number> = {
  idle: 1,
  optimal: 0.8,
  high: 0.5,
  critical: 0.2,
  overloaded: 0,
};

/** The reference entity's thresholds on load ÷ capacity. */
export function loadLevel(load: number, capacity: number): LoadLevel {
  const u = capacity > 0 ? load / capacity : 1;
  return u <= 0.2 ? "idle" : u <= 0.7 ? "optimal" : u <= 0.9 ? "high" : u <= 1 ? "critical" : "overloaded";
}

/**
 * The reference tier, from finished attempts (a partial result counts half). Fewer than 5 attempts say
 * too little: the agent is `competent` until then, where the reference made every new agent `degraded`.
 * Elite asks for 20 attempts, standing in for the quality score we do not measure.
 */
export function tier(attempts: number, rate: number): Tier {
  if (attempts < 5) return "competent";
  if (rate >= 0.95 && attempts >= 20) return "elite";
  return rate >= 0.85 ? "advanced" : rate >= 0.7 ? "competent" : rate >= 0.5 ? "trainee" : "degraded";
}

/** Success rate pulled toward a prior of 0.75 by 4 virtual attempts, so one early failure is not a verdict. */
export const smoothed = (ok: number, n: number) => (ok + 0.75 * 4) / (n + 4);

/** Room it has now: a half-open breaker admits one probe at a time. */
export const room = (a: Candidate) =>
  (a.breaker === "half_open" ? Math.min(1, a.capacity) : a.capacity) - a.load;

/**
 * Rank the agents that may run `need`, best first. Score: the reference's
 * min(1, 0.4 tier + 0.3 capMatch + 0.2 load + 0.1 available), blended 70/30 with the measured success rate
 * for this session type, plus the hints (+0.2 preferred agent, +0.3 preferred origin) and −0.5 for the agent
 * whose attempt just failed. The hints are added after the cap: in the reference the cap let them saturate.
 * capMatch is the share of the agent's capabilities the need uses: a specialist beats a generalist.
 * Returns the reason when none fits.
 */
export function rank(need: Need, agents: readonly Candidate[]): { ranked: Scored[]; reason: string | null } {
  const mine = agents.filter((a) => a.tenantId === null || a.tenantId === need.tenantId);
  const named = need.pin
    ? mine.filter((a) => a.name === need.pin!.name && (!need.pin!.kind || a.kind === need.pin!.kind))
    : mine.filter((a) => a.kind !== "scripted" || need.capabilities.includes("scripted"));
  if (need.pin && !named.length)
    return { ranked: [], reason: `no agent named ${need.pin.name} is registered` };
  const capable = named.filter((a) => need.capabilities.every((c) => a.capabilities.includes(c)));
  if (!capable.length)
    return {
      ranked: [],
      reason: `no registered agent has ${need.capabilities.join(", ") || "what it needs"}`,
    };
  const online = capable.filter((a) => a.status === "online" || a.status === "degraded");
  if (!online.length) return { ranked: [], reason: why("offline or draining", capable) };
  const closed = online.filter((a) => a.breaker !== "open");
  if (!closed.length) return { ranked: [], reason: why("stopped by an open circuit breaker", online) };
  const ranked = closed
    .map((agent) => ({ agent, score: score(need, agent) }))
    .sort((x, y) => y.score - x.score || x.agent.load / x.agent.capacity - y.agent.load / y.agent.capacity);
  return { ranked, reason: null };
}

function score(need: Need, a: Candidate): number {
  const capMatch = need.capabilities.length
    ? need.capabilities.length / Math.max(1, a.capabilities.length)
    : 1;
  const level = loadLevel(a.load, a.capacity);
  const available = room(a) > 0 ? 1 : 0;
  const reference = Math.min(
    1,
    0.4 * tierScore[a.tier] + 0.3 * Math.min(1, capMatch) + 0.2 * loadScore[level] + 0.1 * available,
  );
  const measured = a.success[need.type] ?? a.success["*"] ?? 0.75;
  let s = 0.7 * reference + 0.3 * measured;
  if (a.status === "degraded") s -= 0.1;
  if (need.prefer.agents.includes(a.id) || need.prefer.agents.includes(a.name)) s += 0.2;
  if (need.prefer.origin && (need.prefer.origin === "internal") === internal(a.kind)) s += 0.3;
  if (need.avoid === a.id) s -= 0.5;
  return Math.round(s * 1000) / 1000;
}

function why(state: string, agents: readonly Candidate[]): string {
  const names = agents.slice(0, 5).map((a) => a.name);
  const more = agents.length > 5 ? ` and ${agents.length - 5} more` : "";
  return `every fitting agent (${names.join(", ")}${more}) is ${state}`;
}

/**
 * Give each need, in order, the best agent that still has room, counting what this pass already handed
 * out. `internalRoom` caps what this node can run itself. Pure: the caller locked the agents and read
 * their loads.
 */
export function assign<T>(
  items: readonly { item: T; ranked: Scored[] }[],
  internalRoom: number,
): { item: T; pick: Scored | null; runnersUp: Scored[] }[] {
  const used = new Map<string, number>();
  let local = internalRoom;
  return items.map(({ item, ranked }) => {
    const pick =
      ranked.find(
        (s) => room(s.agent) - (used.get(s.agent.id) ?? 0) > 0 && (!internal(s.agent.kind) || local > 0),
      ) ?? null;
    if (pick) {
      used.set(pick.agent.id, (used.get(pick.agent.id) ?? 0) + 1);
      if (internal(pick.agent.kind)) local--;
    }
    return { item, pick, runnersUp: ranked.filter((s) => s !== pick).slice(0, 3) };
  });
}
