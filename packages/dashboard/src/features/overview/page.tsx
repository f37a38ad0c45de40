import { type Status, terminal } from "@orchestrator/sdk";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { useAttention } from "../../app/shell.tsx";
import { StatusBadge } from "../../ui/badge.tsx";
import { Card, Empty, PageHead } from "../../ui/card.tsx";
import { Bars } from "../../ui/chart.tsx";
import { Problem } from "../../ui/problem.tsx";
import { label, statuses, tone } from "../../ui/status.ts";
import { Ago, clock } from "../../ui/time.tsx";
import { Attention } from "./attention.tsx";

export function Overview() {
  const { client } = useAuth();
  const stats = useQuery({
    queryKey: ["stats"],
    queryFn: () => client.sessions.stats(),
    refetchInterval: 60_000,
  });
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

  return (
    <>
      <PageHead title="System overview" sub="Live counts, throughput and what needs a person." />
      <div className="stack">
        {stats.error ? <Problem error={stats.error} /> : null}
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

        <div className="grid-2">
          <div className="stack">
            <Card title="Sessions started and finished per minute · last hour" id="tput">
              {timeline.length ? (
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
