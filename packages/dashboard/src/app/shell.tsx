import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { NavLink, Outlet, useLocation } from "react-router";
import { Boundary } from "./errors.tsx";
import { useAuth } from "./auth.tsx";
import { Connection } from "./live.tsx";
import { NotifyButton, useNotify, useTitle } from "./notify.tsx";
import { Palette } from "./palette.tsx";
import { ShortcutHelp, useShortcuts } from "./shortcuts.tsx";
import "./ux.css";

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

/** The palette's key as the keyboard labels it: ⌘ on Apple's, Ctrl elsewhere. */
const mac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform);

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
  const [palette, setPalette] = useState(false);
  const [help, setHelp] = useState(false);
  useShortcuts({ palette: () => setPalette(true), help: () => setHelp(true) });
  useTitle(n);
  const notify = useNotify(attention.data?.items);
  // Touch screens have no keyboard: the palette is a button too (in the top bar on a phone).
  const find = (
    <button
      className="btn sm"
      onClick={() => setPalette(true)}
      title="Find a page, an action, a session or a plan (Ctrl K)"
      data-find
    >
      Find <kbd aria-hidden="true">{mac ? "⌘K" : "Ctrl K"}</kbd>
    </button>
  );
  return (
    <div className="shell">
      <div className="topbar">
        <span className="brand" style={{ padding: 0, border: 0 }}>
          <b>IO</b>
        </span>
        <Connection />
        {find}
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
          <div className="row">
            {find}
            <button className="btn sm ghost" onClick={() => setHelp(true)} title="Keyboard shortcuts (?)">
              Keys <kbd aria-hidden="true">?</kbd>
            </button>
          </div>
          <div className="row">
            <NotifyButton state={notify} />
          </div>
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
      <Palette
        open={palette}
        onClose={() => setPalette(false)}
        pages={pages}
        onShortcuts={() => setHelp(true)}
      />
      <ShortcutHelp open={help} onClose={() => setHelp(false)} />
    </div>
  );
}
