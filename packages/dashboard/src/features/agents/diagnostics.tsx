import type { z } from "zod";
import type { Diagnostics, Eap } from "@orchestrator/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Card, Empty, PageHead } from "../../ui/card.tsx";
import { Line } from "../../ui/chart.tsx";
import { Dialog } from "../../ui/dialog.tsx";
import { Problem } from "../../ui/problem.tsx";
import { agentTone } from "../../ui/status.ts";
import { Ago, clock, span } from "../../ui/time.tsx";
import { Secret } from "../../ui/secret.tsx";
import { count } from "../../ui/count.ts";

/** One agent up close: heartbeats, load, success and latency, breaker transitions, recent sessions. */
export function Page() {
  const { id = "" } = useParams();
  const { client } = useAuth();
  const d = useQuery({
    queryKey: ["agents", id, "diagnostics"],
    queryFn: () => client.agents.diagnostics(id),
    refetchInterval: 3_000,
  });
  if (d.error)
    return (
      <>
        <PageHead title="Agent" />
        <Problem error={d.error} />
      </>
    );
  if (!d.data) return <div className="skeleton" style={{ height: 200 }} aria-busy="true" />;
  return <View d={d.data} />;
}

function View({ d }: { d: Diagnostics }) {
  const a = d.agent;
  const recent = [...d.recent].reverse();
  const ended = recent.filter((r) => r.endedAt);
  return (
    <>
      <PageHead
        title={
          <>
            <span className="label">
              <Link to="/agents">Agents</Link> /{" "}
            </span>
            {a.name}
          </>
        }
        sub={`${a.kind} · ${a.origin} · v${a.version}${a.mode ? ` · ${a.mode}` : ""}${a.endpoint ? ` · ${a.endpoint}` : ""}`}
      >
        <span className={`badge tone-${agentTone[a.status] ?? "idle"}`} data-status={a.status}>
          <span className="dot" aria-hidden="true" /> {a.status}
        </span>
        <Actions d={d} />
      </PageHead>
      <div className="stack">
        <div className="stats">
          {[
            ["Heartbeat", a.origin === "internal" ? "in process" : <Ago key="hb" at={a.lastHeartbeatAt} />],
            ["Load", `${a.load}/${a.capacity} · ${a.loadLevel}`],
            ["Tier", a.tier],
            ["Breaker", a.breaker.state.replace("_", " ")],
            [
              "Success",
              a.performance.successRate === null
                ? "no runs"
                : `${(a.performance.successRate * 100).toFixed(1)}%`,
            ],
            ["Median run", a.performance.durationP50Ms === null ? "—" : span(a.performance.durationP50Ms)],
            ["Attempts", `${a.performance.completed} ok · ${a.performance.failed} failed`],
            ["Cost", `$${a.performance.cost.toFixed(4)}`],
          ].map(([k, v]) => (
            <div className="stat" key={String(k)}>
              <span className="label">{k}</span>
              <b style={{ fontSize: 17 }}>{v}</b>
            </div>
          ))}
        </div>
        <div className="grid-2">
          <div className="stack">
            <Card title={`Heartbeats · last ${d.heartbeats.length}`} id="beats">
              {d.heartbeats.length ? (
                <Beats beats={d.heartbeats} />
              ) : (
                <Empty>
                  {a.origin === "internal" ? "Runs inside this server: no heartbeats" : "No heartbeats yet"}
                </Empty>
              )}
            </Card>
            <Card title="Leases held · last hour" id="load">
              <Line
                values={d.load.map((p) => p.load)}
                title={`leases held per minute, max ${Math.max(0, ...d.load.map((p) => p.load))}`}
                max={Math.max(1, a.capacity)}
              />
              <div className="spread muted" style={{ fontSize: 11 }}>
                <span>{d.load[0] && clock(d.load[0].at)}</span>
                <span>capacity {a.capacity}</span>
                <span>{d.load.at(-1) && clock(d.load.at(-1)!.at)}</span>
              </div>
            </Card>
            <Card title={`Latency and outcome · last ${count(ended.length, "attempt")}`} id="latency">
              {ended.length ? (
                <>
                  <Line
                    values={ended.map((r) => r.durationMs ?? 0)}
                    tone="queue"
                    title={`attempt durations, longest ${span(Math.max(0, ...ended.map((r) => r.durationMs ?? 0)))}`}
                  />
                  <div className="row" aria-label="outcomes, oldest first" style={{ gap: 2 }}>
                    {ended.map((r) => (
                      <span
                        key={`${r.sessionId}-${r.attempt}`}
                        className={`dot tone-${r.outcome === "completed" ? "run" : r.outcome === "partial" ? "hold" : "bad"}`}
                        title={`${r.title}: ${r.outcome}`}
                        style={{ width: 12, height: 12 }}
                      />
                    ))}
                  </div>
                </>
              ) : (
                <Empty>No finished attempts yet</Empty>
              )}
            </Card>
          </div>
          <div className="stack">
            <Card title="Breaker" id="breaker">
              <div>
                {a.breaker.state.replace("_", " ")}
                {a.breaker.since && (
                  <span className="muted">
                    {" "}
                    since <Ago at={a.breaker.since} />
                  </span>
                )}
              </div>
              {a.breaker.reason && <div className="muted">{a.breaker.reason}</div>}
              <ol className="feed" style={{ marginTop: 8 }}>
                {d.breaker.transitions.map((t, i) => (
                  <li key={i}>
                    <b>{t.to}</b> <span className="grow muted">{t.reason}</span> <Ago at={t.at} />
                  </li>
                ))}
                {d.breaker.transitions.length === 0 && <li className="muted">no transitions</li>}
              </ol>
            </Card>
            <Card title="Capabilities" id="caps">
              <div className="chips">
                {a.capabilities.map((c) => (
                  <span className="badge tone-idle" key={c}>
                    {c}
                  </span>
                ))}
              </div>
            </Card>
            <Card title="Registry history" id="history" pad={false}>
              <ol className="feed">
                {d.history.slice(0, 15).map((h, i) => (
                  <li key={i}>
                    <b>{h.type}</b> <span className="grow muted">{summary(h.data)}</span> <Ago at={h.at} />
                  </li>
                ))}
              </ol>
            </Card>
          </div>
        </div>
        <Card title="Recent sessions" id="recent" pad={false}>
          <div className="scroll-x">
            <table className="t">
              <thead>
                <tr>
                  <th className="text">Session</th>
                  <th>Attempt</th>
                  <th>Outcome</th>
                  <th>Duration</th>
                  <th>Tokens</th>
                  <th>Started</th>
                </tr>
              </thead>
              <tbody>
                {d.recent.map((r) => (
                  <tr key={`${r.sessionId}-${r.attempt}`}>
                    <td>
                      <Link to={`/sessions/${r.sessionId}`}>{r.title}</Link>
                    </td>
                    <td>#{r.attempt}</td>
                    <td
                      className={
                        r.outcome === "completed" ? "tone-run" : r.outcome ? "tone-bad" : "tone-queue"
                      }
                    >
                      {r.outcome ?? "running"}
                      {r.errorCode && <span className="muted"> {r.errorCode}</span>}
                    </td>
                    <td>{r.durationMs === null ? "—" : span(r.durationMs)}</td>
                    <td>{r.tokens?.toLocaleString() ?? "—"}</td>
                    <td>
                      <Ago at={r.startedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {d.recent.length === 0 && <div className="body muted">No sessions yet.</div>}
          </div>
        </Card>
      </div>
    </>
  );
}

/** A history entry's data as `to offline · by heartbeat TTL`: its fields, strings bare, the rest as JSON. */
const summary = (v: unknown) => {
  const plain = (x: unknown) => (typeof x === "string" ? x : JSON.stringify(x));
  const s =
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.entries(v)
          .map(([k, x]) => `${k} ${plain(x)}`)
          .join(" · ")
      : plain(v);
  return s && s.length > 120 ? `${s.slice(0, 117)}…` : (s ?? "");
};

/** Heartbeats on a time axis: a gap in the ticks is a gap in the agent's life. */
function Beats({ beats }: { beats: Diagnostics["heartbeats"] }) {
  const t = beats.map((b) => Date.parse(b.at));
  const lo = Math.min(...t);
  const hi = Math.max(...t, lo + 1);
  const w = 600;
  return (
    <figure style={{ margin: 0 }}>
      <svg
        viewBox={`0 0 ${w} 40`}
        width="100%"
        height="40"
        role="img"
        aria-label={`${beats.length} heartbeats from ${clock(new Date(lo).toISOString())} to ${clock(new Date(hi).toISOString())}`}
        preserveAspectRatio="none"
      >
        <line x1="0" x2={w} y1="39.5" y2="39.5" stroke="var(--border-strong)" />
        {beats.map((b, i) => (
          <rect
            key={i}
            x={((t[i]! - lo) / (hi - lo)) * (w - 3)}
            y="6"
            width="3"
            height="30"
            fill={`var(--tone-${b.status === "healthy" || b.status === "online" ? "run" : b.status === "offline" ? "bad" : "hold"})`}
          >
            <title>{`${clock(b.at)} ${b.status}${b.tasks !== null ? `, ${b.tasks} tasks` : ""}`}</title>
          </rect>
        ))}
      </svg>
      <figcaption className="spread muted" style={{ fontSize: 11 }}>
        <span>{clock(new Date(lo).toISOString())}</span>
        <span>{clock(new Date(hi).toISOString())}</span>
      </figcaption>
    </figure>
  );
}

function Actions({ d }: { d: Diagnostics }) {
  const a = d.agent;
  const { client } = useAuth();
  const qc = useQueryClient();
  const go = useNavigate();
  const [confirm, setConfirm] = useState(false);
  const [token, setToken] = useState<z.infer<typeof Eap.Rotated> | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: ["agents"] });
  const drain = useMutation({
    mutationFn: () => client.agents.update(a.id, { status: a.status === "draining" ? "online" : "draining" }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => client.agents.remove(a.id),
    onSuccess: () => {
      refresh();
      void go("/agents");
    },
  });
  const rotate = useMutation({ mutationFn: () => client.agents.rotate(a.id), onSuccess: setToken });
  const external = a.origin === "external";
  return (
    <>
      {!a.tenantOwned && (
        // The server refuses every tenant's changes to a shared agent (403): say so instead of offering them.
        <span className="muted" data-testid="builtin-note" style={{ maxWidth: 380, fontSize: 12 }}>
          Built into the server and shared by every tenant: no key can drain, change or remove it. The
          server&apos;s operator does, in its configuration, with a restart.
        </span>
      )}
      {external && a.tenantOwned && (
        <>
          <Button disabled={drain.isPending || a.status === "offline"} onClick={() => drain.mutate()}>
            {a.status === "draining" ? "Undrain" : "Drain"}
          </Button>
          {a.kind === "eap" && (
            <Button disabled={rotate.isPending} onClick={() => rotate.mutate()}>
              Rotate token
            </Button>
          )}
          <Button variant="danger" onClick={() => setConfirm(true)}>
            Deregister
          </Button>
        </>
      )}
      {[drain.error, remove.error, rotate.error].map((e, i) => (e ? <Problem key={i} error={e} /> : null))}
      <Dialog
        open={confirm}
        onClose={() => setConfirm(false)}
        title={`Deregister ${a.name}?`}
        footer={
          <>
            <Button onClick={() => setConfirm(false)}>Keep it</Button>
            <Button
              variant="danger"
              onClick={() => {
                setConfirm(false);
                remove.mutate();
              }}
            >
              Deregister
            </Button>
          </>
        }
      >
        <p style={{ margin: 0 }}>
          It finishes the {count(a.load, "session")} it holds, takes no new ones, and is then removed; its
          token stops working.
        </p>
      </Dialog>
      <Dialog open={token !== null} onClose={() => setToken(null)} title="New credentials: shown once">
        {token && (
          <>
            <p style={{ margin: 0 }}>The old token and secret stopped working. Give the agent these:</p>
            <Secret label="Auth token" value={token.auth_token} testid="token" />
            <Secret label="Signing secret" value={token.signing_secret} testid="secret" />
          </>
        )}
      </Dialog>
    </>
  );
}
