import { type Agent, AgentKind, AgentStatus } from "@orchestrator/sdk";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { useNewLink } from "../../app/keys.ts";
import { Button } from "../../ui/button.tsx";
import { Empty, PageHead } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { agentTone } from "../../ui/status.ts";
import { Ago } from "../../ui/time.tsx";
import { Register } from "./register.tsx";

/** The marketplace: every agent with its live status. Heartbeat ages tick; the list refreshes every 2 s. */
export function Page() {
  const { client } = useAuth();
  const [params, setParams] = useSearchParams();
  const [registering, setRegistering] = useState(false);
  useNewLink(() => setRegistering(true));
  const status = AgentStatus.safeParse(params.get("status")).data;
  const kind = AgentKind.safeParse(params.get("kind")).data;
  const capability = params.get("capability") ?? "";
  const q = params.get("q") ?? "";
  const agents = useQuery({
    queryKey: ["agents", "list", status, kind, capability],
    queryFn: () => client.agents.list({ status, kind, capability: capability || undefined }),
    refetchInterval: 2_000,
  });
  const set = (k: string, v: string) =>
    setParams(
      (p) => {
        if (v) p.set(k, v);
        else p.delete(k);
        return p;
      },
      { replace: true },
    );
  const shown = (agents.data ?? []).filter(
    (a) =>
      !q || `${a.name} ${a.description} ${a.capabilities.join(" ")}`.toLowerCase().includes(q.toLowerCase()),
  );
  const caps = [...new Set((agents.data ?? []).flatMap((a) => a.capabilities))].sort();

  return (
    <>
      <PageHead title="Agent marketplace" sub="Agents this server runs and agents that connect to it, live.">
        <Button variant="primary" onClick={() => setRegistering(true)}>
          + Connect agent
        </Button>
      </PageHead>
      <div className="stack">
        <div className="row">
          <input
            type="search"
            aria-label="Search agents"
            placeholder="Search name, description, capability…"
            value={q}
            onChange={(e) => set("q", e.target.value)}
            style={{ maxWidth: 320 }}
          />
          <select
            aria-label="Status"
            value={status ?? ""}
            onChange={(e) => set("status", e.target.value)}
            style={{ width: "auto" }}
          >
            <option value="">any status</option>
            {AgentStatus.options.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          <select
            aria-label="Kind"
            value={kind ?? ""}
            onChange={(e) => set("kind", e.target.value)}
            style={{ width: "auto" }}
          >
            <option value="">any kind</option>
            {AgentKind.options.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
          <select
            aria-label="Capability"
            value={capability}
            onChange={(e) => set("capability", e.target.value)}
            style={{ width: "auto" }}
          >
            <option value="">any capability</option>
            {caps.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </div>
        {agents.error ? <Problem error={agents.error} /> : null}
        {agents.data && shown.length === 0 && <Empty>No agents match</Empty>}
        <div className="cards">
          {shown.map((a) => (
            <AgentCard key={a.id} a={a} />
          ))}
        </div>
      </div>
      <Register open={registering} onClose={() => setRegistering(false)} />
    </>
  );
}

function AgentCard({ a }: { a: Agent }) {
  const t = agentTone[a.status] ?? "idle";
  const pct = a.capacity ? Math.min(100, Math.round((100 * a.load) / a.capacity)) : 0;
  return (
    <article
      className="card agent"
      data-agent={a.name}
      data-status={a.status}
      aria-labelledby={`ag-${a.id}`}
      data-row
    >
      <header>
        <span className={`badge tone-${t}`}>
          <span className={`dot${a.status === "online" ? " pulse" : ""}`} aria-hidden="true" /> {a.status}
        </span>
        <span className="badge tone-idle">
          {a.kind} · {a.origin}
        </span>
      </header>
      <div className="body stack" style={{ gap: 8 }}>
        <h3 id={`ag-${a.id}`} style={{ textTransform: "none", fontSize: 16 }}>
          <Link to={`/agents/${a.id}`}>{a.name}</Link>{" "}
          {a.label && (
            <span className="muted" style={{ fontSize: 11 }}>
              {a.label}
            </span>
          )}
        </h3>
        {a.description && (
          <div className="muted" style={{ fontSize: 12 }}>
            {a.description}
          </div>
        )}
        <div>
          <div className="spread label">
            <span>
              load {a.load}/{a.capacity} · {a.loadLevel}
            </span>
            <span>{pct}%</span>
          </div>
          <div
            className="bar"
            role="meter"
            aria-label={`load ${a.load} of ${a.capacity}`}
            aria-valuemin={0}
            aria-valuemax={a.capacity}
            aria-valuenow={a.load}
          >
            <span
              style={{
                width: `${pct}%`,
                background: pct >= 90 ? "var(--tone-bad)" : pct >= 70 ? "var(--tone-hold)" : "var(--accent)",
              }}
            />
          </div>
        </div>
        <dl className="kv">
          <dt>heartbeat</dt>
          <dd data-heartbeat>
            {a.origin === "internal" ? "runs in this server" : <Ago at={a.lastHeartbeatAt} />}
          </dd>
          <dt>tier</dt>
          <dd>{a.tier}</dd>
          <dt>breaker</dt>
          <dd className={a.breaker.state === "closed" ? "" : "tone-bad"}>
            {a.breaker.state.replace("_", " ")}
          </dd>
          <dt>success</dt>
          <dd>
            {a.performance.successRate === null
              ? "no runs yet"
              : `${(a.performance.successRate * 100).toFixed(1)}% of ${a.performance.attempts}`}
          </dd>
        </dl>
        <div className="chips">
          {a.capabilities.slice(0, 6).map((c) => (
            <span key={c} className="badge tone-idle" style={{ fontSize: 10 }}>
              {c}
            </span>
          ))}
          {a.capabilities.length > 6 && <span className="muted">+{a.capabilities.length - 6} more</span>}
        </div>
      </div>
    </article>
  );
}
