import {
  type Agent,
  type Event,
  type Landing,
  type Session,
  type Usage,
  runTime,
  tokensOf,
} from "@orchestrator/sdk";

/** Human output. Machine output (--json) never comes through here: it is the API's JSON as-is. */

export const print = (line = "") => void process.stdout.write(line + "\n");
export const json = (value: unknown) => print(JSON.stringify(value));
export const warn = (line: string) => void process.stderr.write(line + "\n");

/** Left-aligned columns two spaces apart; the last column is not padded. */
export function table(header: string[], rows: string[][]): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd(),
  );
}

/** "42s", "5m", "3h", "2d": how long ago, coarse on purpose. */
export const age = (iso: string, now = Date.now()): string => span(now - Date.parse(iso));

/** The same, for how long until. */
export const until = (iso: string, now = Date.now()): string => span(Date.parse(iso) - now);

function span(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86_400)}d`;
}

export const clip = (text: string, max: number) => (text.length > max ? text.slice(0, max - 1) + "…" : text);

/** The sessions table; `projects` names project ids (a session of a removed project shows its id's start). */
export function sessions(items: Session[], now = Date.now(), projects = new Map<string, string>()): string[] {
  return table(
    ["STATUS", "TITLE", "ID", "PROJECT", "AGE", "DURATION", "ATTEMPT", "TOKENS", "COST"],
    items.map((s) => [
      s.status,
      clip(s.title, 40),
      s.id,
      s.projectId ? clip(projects.get(s.projectId) ?? s.projectId.slice(0, 8), 20) : "-",
      age(s.createdAt, now),
      duration(runTime(s, now)),
      `${s.attempt}/${s.maxAttempts}`,
      compact(tokensOf(s.usage)),
      dollars(s.usage.cost),
    ]),
  );
}

/** "45s", "3m 05s", "2h 10m": how long a run took, finer than `age`; "-" for one that never started. */
export function duration(ms: number | null): string {
  if (ms === null) return "-";
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** 950, 12.3k, 4.5M: a token count at a glance. */
export function compact(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** $0, $0.0042, $1.25: cents, or four places for what is less than a cent. */
export const dollars = (c: number): string =>
  c === 0 ? "$0" : c < 0.01 ? `$${c.toFixed(4)}` : `$${c.toFixed(2)}`;

export function session(s: Session): string[] {
  const rows: [string, string | null | undefined][] = [
    ["id", s.id],
    ["title", s.title],
    ["status", s.status],
    ["type", s.type],
    ["priority", s.priority],
    ["agent", s.agent],
    ["profile", s.profile],
    ["project", s.projectId],
    ["attempt", `${s.attempt} of ${s.maxAttempts}${s.retries ? ` (${s.retries} manual retries)` : ""}`],
    ["tags", s.tags.join(", ") || null],
    ["parent", s.parentId],
    ["created", s.createdAt],
    ["started", s.startedAt],
    ["ended", s.endedAt],
    ["deadline", s.deadline],
    ["run after", s.runAfter],
    ["lease", s.lease ? `${s.lease.owner} until ${s.lease.expiresAt}` : null],
    ["tokens", s.usage.input || s.usage.output ? tokens(s.usage) : null],
    ["error", s.error ? `${s.error.code}: ${s.error.message}` : null],
    ["result", s.result === null || s.result === undefined ? null : JSON.stringify(s.result)],
    ["events", String(s.lastSeq)],
  ];
  const lines = rows
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${(k + ":").padEnd(10)} ${v}`);
  return [...lines, "prompt:", ...s.prompt.split("\n").map((l) => `  ${l}`)];
}

/** `12,345 in · 678 out · 0 reasoning · $0.0123` */
export function tokens(u: Usage): string {
  const n = (x: number) => x.toLocaleString("en-US");
  return `${n(u.input)} in · ${n(u.output)} out · ${n(u.reasoning)} reasoning · $${u.cost.toFixed(4)}`;
}

export function agents(items: Agent[]): string[] {
  return table(
    ["NAME", "KIND", "STATUS", "LOAD", "TIER", "BREAKER", "CAPABILITIES"],
    items.map((a) => [
      a.name,
      a.kind,
      a.status,
      `${a.load}/${a.capacity}`,
      a.tier,
      a.breaker.state,
      a.capabilities.join(","),
    ]),
  );
}

/** `#5  12:00:01  session.status  queued → running (attempt 1)` */
export function event(e: Event): string {
  const time = new Date(e.at).toTimeString().slice(0, 8);
  // One event per line keeps the output greppable; multi-line text is indented under its event.
  return `#${e.seq}  ${time}  ${e.type}  ${describe(e)}`.trimEnd().replace(/\n/g, "\n    ");
}

const str = (v: unknown): string => (typeof v === "string" ? v : (JSON.stringify(v) ?? ""));

export function describe(e: Event): string {
  // Destructured, so the switch on `type` narrows `d` to its payload (sdk/events.ts).
  const { type, data: d } = e;
  switch (type) {
    case "session.created":
      return `${str(d.title)} (${str(d.status)})`;
    case "session.status": {
      const error = d.error;
      let line = `${str(d.from)} → ${str(d.to)} (attempt ${str(d.attempt)})`;
      if (d.reason) line += `: ${str(d.reason)}`;
      // A cancel or stop records its reason as the error too; saying it twice helps nobody.
      if (error && error.message !== d.reason) line += ` — ${error.code}: ${error.message}`;
      return line;
    }
    case "session.checkpoint":
      return str(d.data);
    case "session.deleted":
      return "";
    case "session.landing":
      return landingLine(d as unknown as Landing);
    case "session.message":
      return `${str(d.author)}${d.steer ? " (steering)" : ""}: ${str(d.text)}`;
    case "agent.message":
    case "agent.delta":
      return str(d.text);
    case "agent.log":
      return `[${str(d.level)}] ${str(d.text)}`;
    case "agent.progress":
      return `${str(d.done)}/${str(d.total)}`;
    case "agent.artifact":
      return `${str(d.name)}: ${clip(str(d.content), 200)}`;
    default:
      return Object.keys(d).length ? JSON.stringify(d) : "";
  }
}

/** A landing (session.landing, plan.landing) in words: merged, pushed, a pull request opened, or why not. */
export function landingLine(d: Landing): string {
  const at = d.commit ? ` at ${d.commit.slice(0, 10)}` : "";
  if (d.outcome === "refused" || d.outcome === "failed")
    return `${d.how === "pr" ? "pull request" : d.how} ${d.outcome}: ${d.message ?? d.reason ?? ""}`;
  if (d.how === "push")
    return `${d.outcome === "already" ? "already on" : "pushed to"} ${d.remote ?? "the remote"}${at}`;
  if (d.how === "pr")
    return `pull request ${d.number === undefined ? "" : `#${d.number} `}opened: ${d.url ?? ""}`;
  return `${d.outcome === "already" ? "already in" : "merged into"} ${d.base ?? "the base"}${at}`;
}
