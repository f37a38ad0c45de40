import { type Status, terminal } from "@orchestrator/sdk";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { useAttention } from "../../app/shell.tsx";
import { StatusBadge } from "../../ui/badge.tsx";
import { Card, Empty, PageHead } from "../../ui/card.tsx";
import { Bars } from "../../ui/chart.tsx";
import { Problem } from "../../ui/problem.tsx";
import { label, statuses, tone } from "../../ui/status.ts";
import { Ago, clock } from "../../ui/time.tsx";
import { Attention } from "./attention.tsx";
import { isMeasure } from "./scale.ts";
import { GettingStarted } from "./start.tsx";
import { Totals, windows } from "./totals.tsx";
import "./overview.css";

/** The totals' window and measure live in the URL, like the sessions list's filters. */
function useView() {
  const [params, setParams] = useSearchParams();
  const d = Number(params.get("days"));
  const days = windows.includes(d) ? d : 14;
  const m = params.get("measure");
  const measure = isMeasure(m) ? m : "sessions";
  const set = (patch: { days?: number; measure?: string }) =>
    setParams(
      (p) => {
        for (const [k, v] of Object.entries(patch)) p.set(k, String(v));
        return p;
      },
      { replace: true },
    );
  return { days, measure, set };
}

export function Overview() {
  const { client } = useAuth();
  const view = useView();
  const stats = useQuery({
    queryKey: ["stats", view.days],
    queryFn: () => client.sessions.stats({ days: view.days }),
    refetchInterval: 60_000,
    placeholderData: keepPreviousData,
  });
  const projects = useQuery({ queryKey: ["projects"], queryFn: () => client.projects.list() });
  const agents = useQuery({
    queryKey: ["agents"],
    queryFn: () => client.agents.list(),
    refetchInterval: 5_000,
  });
  const recent = useQuery({
    queryKey: ["sessions", "recent"],
    queryFn: () => client.sessions.list({ sort: "-updatedAt", limit: 12 }),
  });
  const attention = useAttention();
  const byStatus = stats.data?.byStatus ?? ({} as Record<Status, number>);
  const active = statuses.filter((s) => !terminal.includes(s));
  const ended = statuses.filter((s) => terminal.includes(s));
  const count = (s: Status) => byStatus[s] ?? 0;
  const agentCount = (st: string) => agents.data?.filter((a) => a.status === st).length ?? 0;
  const timeline = stats.data?.timeline ?? [];
  // A new install: the first steps instead of rows of zeros. Deleted sessions do not count, so an install
  // whose every session was deleted shows them again, which is what it needs.
  const fresh = stats.data?.total === 0;

  return (
    <>
      <PageHead title="System overview" sub="Live counts, throughput and what needs a person." />
      <div className="stack">
        {stats.error ? <Problem error={stats.error} /> : null}
        {fresh && <GettingStarted projects={projects.data} />}
        {!fresh && (
          <section aria-labelledby="counts-t" className="stack" style={{ gap: 8 }}>
            <h2 id="counts-t">Sessions by status · {stats.data?.total ?? "…"} in all</h2>
            {[active, ended].map((group, i) => (
              <div className="stats" key={i}>
                {group.map((s) => (
                  <Link key={s} to={`/sessions?status=${s}`} className="stat" data-count={s}>
                    <span className={`label tone-${tone[s]}`}>
                      <span className="dot" aria-hidden="true" /> {label(s)}
                    </span>
                    <b className={count(s) ? `tone-${tone[s]}` : "muted"}>{stats.data ? count(s) : "…"}</b>
                  </Link>
                ))}
              </div>
            ))}
          </section>
        )}
        {stats.data && !fresh && (
          <Totals stats={stats.data} days={view.days} measure={view.measure} set={view.set} />
        )}

        <div className="grid-2">
          <div className="stack">
            <Card title="Sessions started and finished per minute · last hour" id="tput">
              {fresh ? (
                <Empty>Nothing has started yet</Empty>
              ) : timeline.length ? (
                <Bars
                  title="Sessions per minute"
                  labels={timeline.map((p) => clock(p.at).slice(0, 5))}
                  series={[
                    { name: "started", tone: "queue", values: timeline.map((p) => p.started) },
                    { name: "finished", tone: "done", values: timeline.map((p) => p.finished) },
                  ]}
                />
              ) : (
                <div className="skeleton" style={{ height: 120 }} />
              )}
            </Card>
            <Attention data={attention.data} error={attention.error} />
          </div>
          <div className="stack">
            <Card title="Agents" id="agents" action={<Link to="/agents">Marketplace →</Link>}>
              {agents.error ? (
                <Problem error={agents.error} />
              ) : (
                <div className="stats" style={{ border: 0 }}>
                  {(["online", "degraded", "offline"] as const).map((st) => (
                    <Link key={st} to={`/agents?status=${st}`} className="stat" data-agents={st}>
                      <span
                        className={`label tone-${st === "online" ? "run" : st === "degraded" ? "hold" : "bad"}`}
                      >
                        {st}
                      </span>
                      <b>{agents.data ? agentCount(st) : "…"}</b>
                    </Link>
                  ))}
                </div>
              )}
            </Card>
            <Card
              title="Recent activity"
              id="recent"
              action={<Link to="/sessions">All sessions →</Link>}
              pad={false}
            >
              {recent.error ? <Problem error={recent.error} /> : null}
              {recent.data && recent.data.items.length === 0 && (
                <div className="body">
                  <Empty>No sessions yet</Empty>
                </div>
              )}
              <ul className="feed" aria-label="Recently changed sessions">
                {recent.data?.items.map((s) => (
                  <li key={s.id} data-row>
                    <StatusBadge status={s.status} />
                    <Link to={`/sessions/${s.id}`} className="grow">
                      {s.title}
                    </Link>
                    <span className="muted">
                      <Ago at={s.updatedAt} />
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
          </div>
        </div>
      </div>
    </>
  );
}
