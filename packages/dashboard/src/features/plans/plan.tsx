import "./plans.css";
import { ApiError, type Plan } from "@orchestrator/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { Button } from "../../ui/button.tsx";
import { Card, Empty, PageHead } from "../../ui/card.tsx";
import { Dialog } from "../../ui/dialog.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";
import { type PlanAction, usePlans } from "./api.ts";
import { Elapsed, PlanBadge, Tally, progress } from "./bits.tsx";
import { Graph } from "./graph.tsx";
import { Integration } from "./integration.tsx";
import { usePlanEvents } from "./live.ts";
import { minutes } from "./status.ts";
import { Detail, Tasks } from "./tasks.tsx";
import { PlanContext } from "../context/plan.tsx";

const words: Record<PlanAction, string> = {
  start: "Start",
  pause: "Pause",
  resume: "Resume",
  cancel: "Cancel",
};
const order: PlanAction[] = ["start", "pause", "resume", "cancel"];

/** One plan: its state and actions, forecast, the live graph, its tasks, and what it integrated. */
export function Page() {
  const { id = "" } = useParams();
  const api = usePlans();
  const qc = useQueryClient();
  const [picked, setPicked] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const plan = useQuery({
    queryKey: ["plan", id],
    queryFn: () => api.get(id),
    // A running plan follows its event stream, with a slow poll behind it; without the stream it is
    // polled every second. An ended or draft plan changes only by a person's action.
    refetchInterval: (q) => (q.state.data?.status === "running" ? (streaming ? 5_000 : 1_000) : false),
  });
  const running = plan.data?.status === "running";
  const streaming = usePlanEvents(id, running);
  const act = useMutation({
    mutationFn: (a: PlanAction) => api.act(id, a),
    onSuccess: (v) => {
      qc.setQueryData(["plan", id], v);
      void qc.invalidateQueries({ queryKey: ["plans", "list"] });
    },
  });
  const p = plan.data;

  if (plan.error instanceof ApiError && plan.error.status === 404)
    return (
      <>
        <PageHead title="Plan not found" />
        <Empty>
          No plan <code>{id}</code> here: it was deleted, or the link is wrong.{" "}
          <Link to="/plans">All plans</Link>
        </Empty>
      </>
    );
  if (plan.error && !p)
    return (
      <>
        <PageHead title="Plan" />
        <Problem error={plan.error} />
      </>
    );
  if (!p) return <div className="page-head skeleton" style={{ height: 96 }} aria-busy="true" />;

  const n = progress(p.counts);
  // The panel shows the task picked, else the one most likely to need a look: failed, then running.
  const first = (states: string[]) => p.tasks.find((t) => states.includes(t.status));
  const task =
    p.tasks.find((t) => t.key === picked) ??
    first(["failed", "conflicted"]) ??
    first(["running"]) ??
    p.tasks[0];
  return (
    <>
      <PageHead
        title={p.title}
        sub={
          <span className="row">
            <PlanBadge p={p} />
            <span className="muted">
              <Link to="/plans">Plans</Link> · {p.id.slice(0, 8)} · created <Ago at={p.createdAt} /> by{" "}
              <span title={p.createdBy}>{p.createdBy.replace(/^key:(.{8}).*$/, "key $1")}</span> · from{" "}
              {p.source} · <PolicyLine policy={p.policy} />
              {p.planner && (
                <span data-planner>
                  {" "}
                  · planned by <Link to={`/sessions/${p.planner.sessionId}`}>its planning session</Link>{" "}
                  (answer {p.planner.attempt} of 2, {p.planner.status}
                  {p.tasks.length === 0 && p.status === "draft" ? ": waiting for its graph" : ""})
                </span>
              )}
            </span>
          </span>
        }
      >
        {order
          .filter((a) => p.actions.includes(a))
          .map((a) => (
            <Button
              key={a}
              variant={a === "cancel" ? "danger" : a === "start" || a === "resume" ? "primary" : "default"}
              disabled={act.isPending}
              onClick={() => (a === "cancel" ? setAsking(true) : act.mutate(a))}
            >
              {words[a]}
            </Button>
          ))}
      </PageHead>
      <div className="stack">
        {act.error ? <Problem error={act.error} /> : null}
        {plan.error ? <Problem error={plan.error} title="Could not refresh" /> : null}
        {p.goal && (
          <Card title="Goal" id="goal">
            <div className="tl-text">{p.goal}</div>
          </Card>
        )}
        <Forecast p={p} done={n} />
        <div className="plan-grid">
          <Card
            title="Graph"
            id="graph"
            pad={false}
            action={
              running && (
                <span className="muted" data-live={streaming ? "stream" : "poll"}>
                  {streaming ? "● live" : "○ polling every second"}
                </span>
              )
            }
          >
            <Graph
              label={`Graph of ${p.title}`}
              nodes={p.tasks}
              edges={p.edges}
              critical={p.forecast.criticalPath}
              selected={task?.key}
              onSelect={setPicked}
            />
          </Card>
          {task && <Detail plan={p} t={task} />}
        </div>
        <Tasks plan={p} onPick={setPicked} />
        <PlanContext planId={p.id} />
        <Integration p={p} />
      </div>
      <Dialog
        open={asking}
        onClose={() => setAsking(false)}
        title="Cancel this plan?"
        footer={
          <>
            <Button onClick={() => setAsking(false)}>Keep it</Button>
            <Button
              variant="danger"
              onClick={() => {
                setAsking(false);
                act.mutate("cancel");
              }}
            >
              Cancel plan
            </Button>
          </>
        }
      >
        <p style={{ margin: 0 }}>Running tasks are stopped and the tasks not yet run end as cancelled.</p>
      </Dialog>
    </>
  );
}

function Forecast({ p, done }: { p: Plan.View; done: { ended: number; total: number } }) {
  return (
    <div className="stats plan-stats" aria-label="Progress and forecast">
      <div className="stat">
        <span className="label">Tasks ended</span>
        <b>
          {done.ended}/{done.total}
        </b>
        <Tally counts={p.counts} />
      </div>
      <div className="stat" title="expected minutes along the critical path">
        <span className="label">Makespan</span>
        <b data-makespan>{minutes(p.forecast.makespan)}</b>
      </div>
      <div className="stat" title="half of plans like this finish within">
        <span className="label">P50</span>
        <b>{minutes(p.forecast.p50)}</b>
      </div>
      <div className="stat" title="nine in ten plans like this finish within">
        <span className="label">P90</span>
        <b>{minutes(p.forecast.p90)}</b>
      </div>
      <div className="stat">
        <span className="label">Elapsed</span>
        <b>
          <Elapsed from={p.startedAt} to={p.endedAt} />
        </b>
      </div>
      <div className="stat">
        <span className="label">Critical path</span>
        <div className="tl-text" data-critical-path>
          {p.forecast.criticalPath.join(" → ") || "—"}
        </div>
      </div>
    </div>
  );
}

/** The plan's policy in words: how many at once, what a failure does, what a conflict does. */
function PolicyLine({ policy }: { policy: Plan.Policy }) {
  return (
    <span data-policy>
      {policy.maxParallel} at once · {policy.failFast ? "fail-fast" : "keeps going after a failure"} · a
      conflict {policy.onConflict === "resolve" ? "is resolved by its task's agent" : "waits for a person"}
    </span>
  );
}
