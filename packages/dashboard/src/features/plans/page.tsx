import "./plans.css";
import { Plan } from "@orchestrator/sdk";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { useNewLink } from "../../app/keys.ts";
import { Button } from "../../ui/button.tsx";
import { Card, Empty, PageHead } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { label } from "../../ui/status.ts";
import { Ago } from "../../ui/time.tsx";
import { usePlans } from "./api.ts";
import { Elapsed, PlanBadge, Tally, progress } from "./bits.tsx";
import { CreatePlan } from "./create.tsx";
import { planStates, planTone } from "./status.ts";

const pageSize = 25;

/** The plans, newest first: state, tasks per state, progress, age and duration; filtered by state. */
export function Page() {
  const api = usePlans();
  const nav = useNavigate();
  const [params, setParams] = useSearchParams();
  const status = Plan.PlanStatus.safeParse(params.get("status")).data;
  const [cursors, setCursors] = useState<string[]>([]);
  const [creating, setCreating] = useState(false);
  useNewLink(() => setCreating(true));
  const list = useQuery({
    queryKey: ["plans", "list", status ?? null, cursors.at(-1) ?? null],
    queryFn: () => api.list({ status, limit: pageSize, cursor: cursors.at(-1) }),
    placeholderData: keepPreviousData,
    // Running plans move on their own: their counts stay current.
    refetchInterval: (q) => (q.state.data?.items.some((p) => p.status === "running") ? 2_000 : 15_000),
  });
  const items = list.data?.items ?? [];
  const pick = (s: Plan.PlanStatus | null) => {
    setCursors([]);
    setParams(s ? { status: s } : {}, { replace: true });
  };

  return (
    <>
      <PageHead
        title="Plans"
        sub="Big work as a graph of tasks, each task a session. Live, with its forecast."
      >
        <Button variant="primary" onClick={() => setCreating(true)} data-create>
          + New plan
        </Button>
      </PageHead>
      <div className="stack">
        <div className="chips" role="group" aria-label="Filter by status">
          <button className="chip" aria-pressed={!status} onClick={() => pick(null)}>
            All
          </button>
          {planStates.map((s) => (
            <button
              key={s}
              className={`chip tone-${planTone[s]}`}
              aria-pressed={status === s}
              onClick={() => pick(status === s ? null : s)}
            >
              {label(s)}
            </button>
          ))}
        </div>
        {list.error ? <Problem error={list.error} /> : null}
        <Card pad={false}>
          <div className="scroll-x">
            <table className="t cards" aria-busy={list.isFetching}>
              <thead>
                <tr>
                  <th className="text">Plan</th>
                  <th>Status</th>
                  <th>Tasks</th>
                  <th>Progress</th>
                  <th>Created</th>
                  <th>Duration</th>
                </tr>
              </thead>
              <tbody>
                {items.map((p) => {
                  const n = progress(p.counts);
                  return (
                    <tr key={p.id} data-plan={p.id} data-row>
                      <td data-label="Plan">
                        <div>
                          <Link to={`/plans/${p.id}`}>{p.title}</Link>
                          <div className="mono-id">
                            {p.id.slice(0, 8)}
                            {p.goal ? ` · ${p.goal.slice(0, 80)}${p.goal.length > 80 ? "…" : ""}` : ""}
                          </div>
                        </div>
                      </td>
                      <td data-label="Status">
                        <PlanBadge p={p} />
                      </td>
                      <td data-label="Tasks">
                        <Tally counts={p.counts} />
                      </td>
                      <td data-label="Progress" className="nowrap">
                        {n.ended}/{n.total} · {n.total ? Math.round((100 * n.ended) / n.total) : 0}%
                      </td>
                      <td data-label="Created">
                        <Ago at={p.createdAt} />
                      </td>
                      <td data-label="Duration">
                        <Elapsed from={p.startedAt} to={p.endedAt} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {list.data && items.length === 0 && (
            <div className="body">
              <Empty>{status ? `No ${label(status)} plans` : "No plans yet: + New plan makes one"}</Empty>
            </div>
          )}
          {!list.data && !list.error && <div className="skeleton" style={{ height: 120, margin: 14 }} />}
          <div className="spread" style={{ padding: "10px 14px", borderTop: "1px solid var(--border)" }}>
            <span className="muted">
              Page {cursors.length + 1} · {items.length} shown
            </span>
            <div className="row">
              <Button size="sm" disabled={!cursors.length} onClick={() => setCursors(cursors.slice(0, -1))}>
                ← Previous
              </Button>
              <Button
                size="sm"
                disabled={!list.data?.nextCursor}
                onClick={() => list.data?.nextCursor && setCursors([...cursors, list.data.nextCursor])}
              >
                Next →
              </Button>
            </div>
          </div>
        </Card>
      </div>
      <CreatePlan
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(id) => nav(`/plans/${id}`)}
      />
    </>
  );
}
