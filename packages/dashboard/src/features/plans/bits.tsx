import { Plan } from "@orchestrator/sdk";
import { label } from "../../ui/status.ts";
import { span, useNow } from "../../ui/time.tsx";
import { planTone, taskGlyph, taskStates, taskTone } from "./status.ts";

export function PlanBadge({ p }: { p: Pick<Plan.Summary, "status" | "paused"> & { halted?: boolean } }) {
  return (
    <span className="row nowrap">
      <span className={`badge tone-${planTone[p.status]}`} data-plan-status={p.status}>
        <span className={`dot${p.status === "running" && !p.paused ? " pulse" : ""}`} aria-hidden="true" />
        {label(p.status)}
      </span>
      {p.paused && <span className="badge tone-hold">paused</span>}
      {p.halted && (
        <span className="badge tone-bad" title="fail-fast saw a failure: nothing new starts until a retry">
          halted
        </span>
      )}
    </span>
  );
}

export function TaskBadge({ status }: { status: Plan.TaskStatus }) {
  return (
    <span className={`badge tone-${taskTone[status]}`} data-task-status={status}>
      <span aria-hidden="true">{taskGlyph[status]}</span>
      {label(status)}
    </span>
  );
}

/** Tasks per state: a stacked bar and, under it, the counts in words. */
export function Tally({ counts }: { counts: Partial<Record<Plan.TaskStatus, number>> }) {
  const total = taskStates.reduce((n, s) => n + (counts[s] ?? 0), 0);
  const present = taskStates.filter((s) => (counts[s] ?? 0) > 0);
  return (
    <div>
      <div className="sbar" role="img" aria-label={present.map((s) => `${counts[s]} ${label(s)}`).join(", ")}>
        {present.map((s) => (
          <span
            key={s}
            className={`tone-${taskTone[s]}`}
            style={{ width: `${(100 * (counts[s] ?? 0)) / Math.max(1, total)}%` }}
            title={`${counts[s]} ${label(s)}`}
          />
        ))}
      </div>
      <div className="tally">
        {present.map((s) => (
          <span key={s} className={`tone-${taskTone[s]}`} data-count={s}>
            {taskGlyph[s]} {counts[s]} {label(s)}
          </span>
        ))}
      </div>
    </div>
  );
}

/** How long a plan has run (or ran): from its start to its end, or to now, ticking. */
export function Elapsed({ from, to }: { from: string | null; to: string | null }) {
  const now = useNow();
  if (!from) return <span className="muted">not started</span>;
  return <span>{span((to ? Date.parse(to) : now) - Date.parse(from))}</span>;
}

/** How many tasks have ended, of how many. */
export const progress = (counts: Partial<Record<Plan.TaskStatus, number>>) => ({
  ended: Plan.taskEnded.reduce((n, s) => n + (counts[s] ?? 0), 0),
  total: taskStates.reduce((n, s) => n + (counts[s] ?? 0), 0),
});
