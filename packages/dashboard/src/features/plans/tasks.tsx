import type { Plan } from "@orchestrator/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { Button } from "../../ui/button.tsx";
import { Card } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { label } from "../../ui/status.ts";
import { useNow } from "../../ui/time.tsx";
import { type TaskAction, usePlans } from "./api.ts";
import { TaskBadge } from "./bits.tsx";
import { canRetry, canSkip, minutes, spent, summaryOf, why } from "./status.ts";

/** Retry and skip of one task, as its state allows; the answer is the plan's new view. */
function useTaskAction(plan: Plan.View) {
  const api = usePlans();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ key, a }: { key: string; a: TaskAction }) => api.task(plan.id, key, a),
    onSuccess: (v) => qc.setQueryData(["plan", plan.id], v),
  });
}

function Actions({ plan, t, act }: { plan: Plan.View; t: Plan.Task; act: ReturnType<typeof useTaskAction> }) {
  // A plan that ended as cancelled is over: its tasks are not brought back one by one.
  if (plan.status === "draft" || plan.status === "cancelled") return null;
  return (
    <span className="row nowrap">
      {canRetry(t.status) && (
        <Button size="sm" disabled={act.isPending} onClick={() => act.mutate({ key: t.key, a: "retry" })}>
          Retry {t.key}
        </Button>
      )}
      {canSkip(t.status) && (
        <Button
          size="sm"
          variant="ghost"
          disabled={act.isPending}
          onClick={() => act.mutate({ key: t.key, a: "skip" })}
        >
          Skip {t.key}
        </Button>
      )}
    </span>
  );
}

/** The picked task beside the graph: state, estimate against actual, attempt, why, result, actions. */
export function Detail({ plan, t }: { plan: Plan.View; t: Plan.Task }) {
  const act = useTaskAction(plan);
  const now = useNow();
  const took = spent(t.startedAt, t.endedAt, now);
  const reason = why(t.reason);
  const result = summaryOf(t.result);
  return (
    <Card title={`Task ${t.key}`} id="task" action={<TaskBadge status={t.status} />}>
      <div className="stack" data-detail={t.key}>
        <div>
          <b>{t.title}</b>
          {t.forecast.critical && <div className="pg-key hot">◆ on the critical path</div>}
        </div>
        <dl className="kv">
          <dt>Estimate</dt>
          <dd>
            {minutes(t.forecast.expected)} <span className="muted">({t.forecast.source})</span>
          </dd>
          <dt>Actual</dt>
          <dd data-actual>
            {took == null ? "not started" : `${minutes(took)}${t.endedAt ? "" : " so far"}`}
          </dd>
          <dt>Slack</dt>
          <dd>{minutes(t.forecast.slack)}</dd>
          <dt>Attempt</dt>
          <dd>
            {t.attempt} of {t.maxAttempts}
          </dd>
          <dt>Rule</dt>
          <dd>{label(t.triggerRule)}</dd>
          {t.depsPending > 0 && (
            <>
              <dt>Waits for</dt>
              <dd>{t.depsPending} prerequisites</dd>
            </>
          )}
          {t.mergedCommit && (
            <>
              <dt>Merged</dt>
              <dd>
                <code>{t.mergedCommit.slice(0, 10)}</code>
              </dd>
            </>
          )}
        </dl>
        {reason && (
          <div className={t.status === "succeeded" ? "note" : "error-box"} data-reason>
            <b>Why:</b> {reason}
          </div>
        )}
        {result && (
          <div>
            <div className="label">Result</div>
            <div className="tl-text">{result}</div>
          </div>
        )}
        <div className="row">
          {t.sessionId && <Link to={`/sessions/${t.sessionId}`}>Open its session →</Link>}
          <Actions plan={plan} t={t} act={act} />
        </div>
        {act.error ? <Problem error={act.error} /> : null}
      </div>
    </Card>
  );
}

/**
 * Every task as a row: the graph's content for a screen reader and on a phone, with estimate against
 * actual drawn as two bars on one scale (grey: expected, blue: actual; orange once it ran over).
 */
export function Tasks({ plan, onPick }: { plan: Plan.View; onPick: (key: string) => void }) {
  const act = useTaskAction(plan);
  const now = useNow();
  const took = new Map(plan.tasks.map((t) => [t.key, spent(t.startedAt, t.endedAt, now)]));
  const scale = Math.max(1e-6, ...plan.tasks.map((t) => Math.max(t.forecast.expected, took.get(t.key) ?? 0)));
  const pct = (m: number) => `${Math.min(100, (100 * m) / scale)}%`;
  return (
    <Card title={`Tasks · ${plan.tasks.length}`} id="tasks" pad={false}>
      {act.error ? (
        <div className="body">
          <Problem error={act.error} />
        </div>
      ) : null}
      <div className="scroll-x">
        <table className="t cards" aria-label="Tasks">
          <thead>
            <tr>
              <th className="text">Task</th>
              <th>State</th>
              <th>Estimate vs actual</th>
              <th>Attempt</th>
              <th>Why · result</th>
              <th>Actions</th>
            </tr>
          </thead>
          <tbody>
            {plan.tasks.map((t) => {
              const m = took.get(t.key);
              // Over by more than a second: below that the two read the same.
              const over = m != null && m - t.forecast.expected > 1 / 60;
              return (
                <tr key={t.key} data-task={t.key} data-status={t.status} onMouseEnter={() => onPick(t.key)}>
                  <td data-label="Task">
                    <div>
                      {t.sessionId ? (
                        <Link to={`/sessions/${t.sessionId}`}>
                          <b>{t.key}</b>
                        </Link>
                      ) : (
                        <b>{t.key}</b>
                      )}
                      {t.forecast.critical && (
                        <span className="pg-key hot" title="on the critical path">
                          {" "}
                          ◆ critical
                        </span>
                      )}
                      <div className="muted">{t.title}</div>
                    </div>
                  </td>
                  <td data-label="State">
                    <TaskBadge status={t.status} />
                  </td>
                  <td data-label="Est · actual">
                    <div className="eva" title="grey: expected; blue: actual (orange: over the estimate)">
                      <div className="bar">
                        <span className="est" style={{ width: pct(t.forecast.expected) }} />
                      </div>
                      <div className="bar">
                        <span className={`act${over ? " over" : ""}`} style={{ width: pct(m ?? 0) }} />
                      </div>
                      <span className="mono-id nowrap">
                        {minutes(t.forecast.expected)} · {m == null ? "—" : minutes(m)}
                        {over ? " (over)" : ""}
                      </span>
                    </div>
                  </td>
                  <td data-label="Attempt">
                    {t.attempt}/{t.maxAttempts}
                  </td>
                  <td data-label="Why">
                    <span className="tl-text">{why(t.reason) ?? summaryOf(t.result) ?? "—"}</span>
                  </td>
                  <td data-label="Actions">
                    <Actions plan={plan} t={t} act={act} />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </Card>
  );
}
