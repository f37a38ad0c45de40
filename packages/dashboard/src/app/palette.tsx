import type { Status } from "@orchestrator/sdk";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { useLocation, useNavigate } from "react-router";
import { StatusBadge } from "../ui/badge.tsx";
import { Dialog } from "../ui/dialog.tsx";
import { useAuth } from "./auth.tsx";
import { create } from "./keys.ts";

/** One thing the palette can do: go somewhere, or run an action. */
interface Entry {
  id: string;
  kind: "page" | "action" | "session" | "plan";
  label: string;
  status?: Status;
  run(): void;
}

/**
 * Ctrl+K / Cmd+K: find a page, an action, or a session or plan by its title, and go there with Enter. A
 * combobox over a listbox (the ARIA pattern): focus stays in the box, arrows move the active option.
 */
export function Palette({
  open,
  onClose,
  pages,
  onShortcuts,
}: {
  open: boolean;
  onClose: () => void;
  pages: { to: string; label: string }[];
  onShortcuts: () => void;
}) {
  const { client } = useAuth();
  const go = useNavigate();
  const where = useLocation();
  const [q, setQ] = useState("");
  const [typed, setTyped] = useState("");
  const [active, setActive] = useState(0);
  const list = useId();
  const box = useRef<HTMLInputElement>(null);
  useEffect(() => {
    // After the dialog's showModal (a child's effect runs first), which focuses its first button: the
    // box is where a person types, and React's autoFocus fires before the dialog is open.
    if (open) box.current?.focus();
    else {
      setQ("");
      setTyped("");
    }
  }, [open]);
  // The server searches once typing pauses, not per key.
  useEffect(() => {
    const t = setTimeout(() => setQ(typed.trim()), 150);
    return () => clearTimeout(t);
  }, [typed]);
  const sessions = useQuery({
    queryKey: ["sessions", "palette", q],
    queryFn: () => client.sessions.list({ q, limit: 6, sort: "-updatedAt" }),
    enabled: open && q.length > 0,
  });
  // Plans take no text search (GET /api/v1/plans filters by status only): the newest 200 titles are
  // matched here, which covers what a person looks for by name in a palette.
  const plans = useQuery({
    queryKey: ["plans", "palette"],
    queryFn: () => client.plans.list({ limit: 200 }),
    enabled: open && q.length > 0,
    staleTime: 10_000,
  });

  const entries = useMemo(() => {
    const done = (f: () => void) => () => {
      onClose();
      f();
    };
    // A page's own create button when it is that page, else its link that opens the dialog.
    const make = (path: string) => () => (where.pathname === path && create()) || go(`${path}?new`);
    const actions: Entry[] = [
      { id: "a-session", kind: "action", label: "New session", run: done(make("/sessions")) },
      { id: "a-plan", kind: "action", label: "New plan", run: done(make("/plans")) },
      { id: "a-agent", kind: "action", label: "Register agent", run: done(make("/agents")) },
      { id: "a-keys", kind: "action", label: "Keyboard shortcuts", run: done(onShortcuts) },
    ];
    const fixed: Entry[] = [
      ...pages.map((p): Entry => ({
        id: `p-${p.to}`,
        kind: "page",
        label: p.label,
        run: done(() => go(p.to)),
      })),
      ...actions,
    ];
    const words = typed.trim().toLowerCase();
    const hit = (label: string) => label.toLowerCase().includes(words);
    const found: Entry[] = !words
      ? []
      : [
          ...(sessions.data?.items ?? []).map((s): Entry => ({
            id: `s-${s.id}`,
            kind: "session",
            label: s.title,
            status: s.status,
            run: done(() => go(`/sessions/${s.id}`)),
          })),
          ...(plans.data?.items ?? [])
            .filter((p) => hit(p.title))
            .slice(0, 6)
            .map((p): Entry => ({
              id: `l-${p.id}`,
              kind: "plan",
              label: p.title,
              run: done(() => go(`/plans/${p.id}`)),
            })),
        ];
    return [...fixed.filter((e) => hit(e.label)), ...found];
  }, [typed, pages, sessions.data, plans.data, go, onClose, onShortcuts, where.pathname]);
  const at = Math.min(active, Math.max(0, entries.length - 1));
  const current = entries[at];
  useEffect(() => setActive(0), [typed]);
  useEffect(() => {
    if (current) document.getElementById(optionId(list, current.id))?.scrollIntoView({ block: "nearest" });
  }, [current, list]);

  const searching = q.length > 0 && (sessions.isFetching || plans.isFetching);
  return (
    <Dialog open={open} onClose={onClose} title="Go to or do">
      <input
        type="text"
        role="combobox"
        aria-label="Find a page, an action, a session or a plan"
        placeholder="Find a page, action, session or plan…"
        aria-expanded="true"
        aria-controls={list}
        aria-autocomplete="list"
        aria-activedescendant={current ? optionId(list, current.id) : undefined}
        ref={box}
        value={typed}
        onChange={(e) => setTyped(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" || e.key === "ArrowUp") {
            e.preventDefault();
            const n = entries.length;
            if (n) setActive((at + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
          } else if (e.key === "Enter" && current) {
            e.preventDefault();
            current.run();
          }
        }}
      />
      <ul id={list} role="listbox" aria-label="Results" className="palette" data-palette>
        {entries.map((e, i) => (
          <li
            key={e.id}
            id={optionId(list, e.id)}
            role="option"
            aria-selected={i === at}
            data-kind={e.kind}
            onMouseMove={() => i !== at && setActive(i)}
            onClick={e.run}
          >
            <span className="label">{e.kind}</span>
            <span className="grow">{e.label}</span>
            {e.status && <StatusBadge status={e.status} />}
          </li>
        ))}
      </ul>
      <div className="muted" role="status" aria-live="polite">
        {searching ? "searching…" : !entries.length ? "Nothing matches" : `${entries.length} found`} · ↑↓ to
        move, Enter to open, Esc to close
      </div>
    </Dialog>
  );
}

const optionId = (list: string, id: string) => `${list}-${id.replace(/[^\w-]/g, "_")}`;
