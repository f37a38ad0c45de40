import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { Boundary } from "./errors.tsx";
import { useAuth } from "./auth.tsx";
import { Connection } from "./live.tsx";

/** Only pages that work are in the navigation. */
const pages = [
  { to: "/", label: "Overview", end: true },
  { to: "/sessions", label: "Sessions" },
  { to: "/plans", label: "Plans" },
  { to: "/agents", label: "Agents" },
  { to: "/projects", label: "Projects" },
  { to: "/contexts", label: "Context" },
  { to: "/webhooks", label: "Webhooks" },
];

/** How many things wait for a person: approvals, stalled and failed sessions, finished work to review. */
export function useAttention() {
  const { client } = useAuth();
  return useQuery({ queryKey: ["attention"], queryFn: () => client.attention(), refetchInterval: 30_000 });
}

export function Shell() {
  const { me, signOut } = useAuth();
  const [open, setOpen] = useState(false);
  const where = useLocation();
  const attention = useAttention();
  const n = Object.values(attention.data?.counts ?? {}).reduce((a, b) => a + b, 0);
  return (
    <div className="shell">
      <div className="topbar">
        <span className="brand" style={{ padding: 0, border: 0 }}>
          <b>IO</b>
        </span>
        <Connection />
        <button className="btn sm" aria-expanded={open} aria-controls="side" onClick={() => setOpen(!open)}>
          Menu
        </button>
      </div>
      <aside id="side" className={`side${open ? " open" : ""}`} aria-label="Main">
        <div className="brand">
          <b>INDUSTRIAL</b>ORCHESTRATOR
          <div className="label" style={{ marginTop: 6 }}>
            Control room
          </div>
        </div>
        <nav className="nav">
          {pages.map((p) => (
            <NavLink key={p.to} to={p.to} end={p.end} onClick={() => setOpen(false)}>
              {p.label}
              {p.to === "/" && n > 0 && (
                <span className="count" aria-label={`${n} need attention`} title="need a person">
                  {n}
                </span>
              )}
            </NavLink>
          ))}
        </nav>
        <div className="side-foot">
          <Connection />
          <div className="muted">
            tenant <span title={me.tenantId}>{me.tenantId.slice(0, 8)}</span> · {me.role}
            {me.auth === "off" && " · auth off"}
          </div>
          <div className="row">
            <a href="/docs" className="muted">
              API docs
            </a>
            {me.auth !== "off" && (
              <button className="btn sm ghost" onClick={signOut}>
                Sign out
              </button>
            )}
          </div>
        </div>
      </aside>
      <main className="main" id="main">
        <Boundary key={where.pathname}>
          <Outlet />
        </Boundary>
      </main>
    </div>
  );
}
