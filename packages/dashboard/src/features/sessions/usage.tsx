import { type Session, leased, runTime, tokensOf } from "@orchestrator/sdk";
import { compact, dollars } from "../../ui/number.ts";
import { span, useNow } from "../../ui/time.tsx";

/** How long the latest run took; a run a runner holds counts up live, a finished one is fixed. */
export function RunTime({ s }: { s: Session }) {
  if (!s.startedAt) return <span className="muted">—</span>;
  return leased.includes(s.status) ? <Live s={s} /> : <>{span(runTime(s, Date.now())!)}</>;
}

// Apart from RunTime so only live rows subscribe to the shared one-second ticker.
function Live({ s }: { s: Session }) {
  const now = useNow();
  return <span className="tone-run">{span(runTime(s, now)!)}</span>;
}

export function Tokens({ s }: { s: Session }) {
  const n = tokensOf(s.usage);
  if (!n) return <span className="muted">0</span>;
  const { input, output, reasoning } = s.usage;
  return <span title={`${input} in · ${output} out · ${reasoning} reasoning`}>{compact(n)}</span>;
}

export const Cost = ({ s }: { s: Session }) =>
  s.usage.cost ? <>{dollars(s.usage.cost)}</> : <span className="muted">$0</span>;

/**
 * The same four facts on one line under the title, for a phone: there the columns are hidden (sessions.css),
 * and a row reads title, this line, status.
 */
export function Facts({ s, project }: { s: Session; project: string | undefined }) {
  return (
    <div className="mono-id session-facts">
      {project ?? "no project"} · <RunTime s={s} /> · <Tokens s={s} /> tokens · <Cost s={s} />
    </div>
  );
}
