import { type ListQuery, type Status, Status as StatusEnum, Sort } from "@orchestrator/sdk";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { useNewLink } from "../../app/keys.ts";
import { StatusBadge } from "../../ui/badge.tsx";
import { Button } from "../../ui/button.tsx";
import { Card, Empty, PageHead } from "../../ui/card.tsx";
import { Dialog } from "../../ui/dialog.tsx";
import { Problem } from "../../ui/problem.tsx";
import { label, statuses, tone } from "../../ui/status.ts";
import { Ago } from "../../ui/time.tsx";
import { CreateSession } from "./create.tsx";
import { Cost, Facts, RunTime, Tokens } from "./usage.tsx";
import { count } from "../../ui/count.ts";
import "./sessions.css";

const pageSize = 25;
const sorts: Record<string, string> = {
  "-createdAt": "newest first",
  createdAt: "oldest first",
  "-updatedAt": "recently changed",
  priority: "most urgent first",
  "-priority": "least urgent first",
};

/** Filters live in the URL, so a filtered view can be bookmarked, shared and reloaded. */
function useFilters() {
  const [params, setParams] = useSearchParams();
  const status = (params.get("status") ?? "")
    .split(",")
    .filter((s): s is Status => StatusEnum.safeParse(s).success);
  const sort = Sort.safeParse(params.get("sort")).data ?? "-createdAt";
  const q = params.get("q") ?? "";
  // The URL is the one source of truth, read when the patch applies. react-router's functional update
  // hands over the params of the render that made the setter, so the debounced search, which calls this
  // from an older render, would write back a stale sort or status picked meanwhile.
  const set = (patch: Record<string, string | null>) =>
    setParams(
      () => {
        const p = new URLSearchParams(window.location.search);
        for (const [k, v] of Object.entries(patch)) {
          if (v) p.set(k, v);
          else p.delete(k);
        }
        return p;
      },
      { replace: true },
    );
  return { status, sort, q, set };
}

export function Page() {
  const { client } = useAuth();
  const qc = useQueryClient();
  const f = useFilters();
  const [search, setSearch] = useState(f.q);
  // Cursors of the pages before this one; the last is this page's own.
  const [cursors, setCursors] = useState<string[]>([]);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [creating, setCreating] = useState(false);
  const [confirm, setConfirm] = useState(false);
  useNewLink(() => setCreating(true));

  // Search as you type, once typing pauses.
  useEffect(() => {
    const t = setTimeout(() => search !== f.q && f.set({ q: search.trim() || null }), 300);
    return () => clearTimeout(t);
  }, [search]);

  const query: ListQuery = {
    status: f.status.length ? f.status : undefined,
    sort: f.sort as ListQuery["sort"],
    q: f.q || undefined,
    limit: pageSize,
    cursor: cursors.at(-1),
  };
  const list = useQuery({
    queryKey: ["sessions", "list", query],
    queryFn: () => client.sessions.list(query),
    placeholderData: keepPreviousData,
  });
  const items = list.data?.items ?? [];
  const agents = useQuery({ queryKey: ["agents"], queryFn: () => client.agents.list(), staleTime: 30_000 });
  const agentName = (id: string | null) => (id ? agents.data?.find((a) => a.id === id)?.name : undefined);
  const projects = useQuery({
    queryKey: ["projects"],
    queryFn: () => client.projects.list(),
    staleTime: 30_000,
  });
  const projectName = (id: string | null) => (id ? projects.data?.find((p) => p.id === id)?.name : undefined);
  const cancellable = items.filter((s) => picked.has(s.id) && s.actions.includes("cancel"));

  const bulk = useMutation({
    mutationFn: () => client.sessions.cancelMany([...picked], { reason: "cancelled from the Control Room" }),
    onSuccess: () => {
      setPicked(new Set());
      void qc.invalidateQueries({ queryKey: ["sessions"] });
    },
  });

  // Another filter is another list: its pages, its selection, and a bulk result that was about the last one.
  const filterKey = `${f.status.join(",")}|${f.sort}|${f.q}`;
  const { reset } = bulk;
  useEffect(() => {
    setCursors([]);
    setPicked(new Set());
    reset();
  }, [filterKey, reset]);

  const toggleStatus = (s: Status) => {
    const next = f.status.includes(s) ? f.status.filter((x) => x !== s) : [...f.status, s];
    f.set({ status: next.join(",") || null });
  };
  const allPicked = items.length > 0 && items.every((s) => picked.has(s.id));

  return (
    <>
      <PageHead title="Sessions" sub="Every piece of work, live. Filter, search, open, or cancel in bulk.">
        <Button variant="primary" onClick={() => setCreating(true)} data-create>
          + New session
        </Button>
      </PageHead>
      <div className="stack">
        <div className="chips" role="group" aria-label="Filter by status">
          <button
            className="chip"
            aria-pressed={f.status.length === 0}
            onClick={() => f.set({ status: null })}
          >
            All
          </button>
          {statuses.map((s) => (
            <button
              key={s}
              className={`chip tone-${tone[s]}`}
              aria-pressed={f.status.includes(s)}
              onClick={() => toggleStatus(s)}
            >
              {label(s)}
            </button>
          ))}
        </div>
        <div className="row">
          <input
            type="search"
            aria-label="Search title and prompt"
            placeholder="Search title and prompt…"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
            style={{ maxWidth: 360 }}
          />
          <select
            aria-label="Sort"
            value={f.sort}
            onChange={(e) => f.set({ sort: e.target.value })}
            style={{ width: "auto" }}
          >
            {Object.entries(sorts).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
          <span className="grow" />
          {picked.size > 0 && (
            <Button
              variant="danger"
              disabled={!cancellable.length || bulk.isPending}
              onClick={() => setConfirm(true)}
            >
              Cancel {cancellable.length} selected
            </Button>
          )}
        </div>
        {bulk.data && <BulkResult results={bulk.data} onDismiss={reset} />}
        {bulk.error ? <Problem error={bulk.error} /> : null}
        {list.error ? <Problem error={list.error} /> : null}
        <Card pad={false}>
          <div className="scroll-x">
            <table className="t" aria-busy={list.isFetching}>
              <thead>
                <tr>
                  <th style={{ width: 32 }}>
                    <input
                      type="checkbox"
                      aria-label="Select all on this page"
                      checked={allPicked}
                      onChange={() => setPicked(allPicked ? new Set() : new Set(items.map((s) => s.id)))}
                    />
                  </th>
                  <th className="text">Session</th>
                  <th>Status</th>
                  <th className="wide">Priority</th>
                  <th className="wide">Agent · attempt</th>
                  <th className="wide">Project</th>
                  <th className="wide num">Duration</th>
                  <th className="wide num">Tokens</th>
                  <th className="wide num">Cost</th>
                  <th className="wide">Created</th>
                  <th className="wide">Changed</th>
                </tr>
              </thead>
              <tbody>
                {items.map((s) => (
                  <tr key={s.id} data-session={s.id} data-row>
                    <td>
                      <input
                        type="checkbox"
                        aria-label={`Select ${s.title}`}
                        checked={picked.has(s.id)}
                        onChange={() => {
                          const n = new Set(picked);
                          if (n.has(s.id)) n.delete(s.id);
                          else n.add(s.id);
                          setPicked(n);
                        }}
                      />
                    </td>
                    <td>
                      <Link to={`/sessions/${s.id}`}>{s.title}</Link>
                      <div className="mono-id">{s.id.slice(0, 8)}</div>
                      <Facts s={s} project={projectName(s.projectId)} />
                    </td>
                    <td>
                      <StatusBadge status={s.status} />
                      {s.queueReason && s.status === "queued" && (
                        <div className="mono-id">{s.queueReason}</div>
                      )}
                    </td>
                    <td
                      className={`wide ${s.priority === "critical" ? "tone-bad" : s.priority === "high" ? "tone-queue" : ""}`}
                    >
                      {s.priority}
                    </td>
                    <td className="wide">
                      {agentName(s.agentId) ?? s.agent ?? s.profile ?? <span className="muted">—</span>}
                      {s.attempt > 0 && <span className="muted"> · #{s.attempt}</span>}
                    </td>
                    <td className="wide">{projectName(s.projectId) ?? <span className="muted">—</span>}</td>
                    <td className="wide num">
                      <RunTime s={s} />
                    </td>
                    <td className="wide num">
                      <Tokens s={s} />
                    </td>
                    <td className="wide num">
                      <Cost s={s} />
                    </td>
                    <td className="wide">
                      <Ago at={s.createdAt} />
                    </td>
                    <td className="wide">
                      <Ago at={s.updatedAt} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {list.data && items.length === 0 && (
            <div className="body">
              <Empty>No sessions match</Empty>
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
      <CreateSession open={creating} onClose={() => setCreating(false)} />
      <Dialog
        open={confirm}
        onClose={() => setConfirm(false)}
        title={`Cancel ${count(cancellable.length, "session")}?`}
        footer={
          <>
            <Button onClick={() => setConfirm(false)}>Keep them</Button>
            <Button
              variant="danger"
              onClick={() => {
                setConfirm(false);
                bulk.mutate();
              }}
            >
              Cancel sessions
            </Button>
          </>
        }
      >
        <p style={{ margin: 0 }}>
          Running work stops and the sessions end as cancelled.{" "}
          {picked.size - cancellable.length > 0 &&
            `${picked.size - cancellable.length} selected sessions have already ended and are left alone.`}
        </p>
      </Dialog>
    </>
  );
}

function BulkResult({
  results,
  onDismiss,
}: {
  results: { id: string; ok: boolean; error?: { code: string; message: string } }[];
  onDismiss: () => void;
}) {
  const failed = results.filter((r) => !r.ok);
  return (
    <div className={failed.length ? "error-box" : "note"} role="status" data-bulk-result>
      <div className="spread">
        <span>
          {results.length - failed.length} cancelled
          {failed.length > 0 && `, ${failed.length} not`}
        </span>
        <Button size="sm" variant="ghost" onClick={onDismiss}>
          Dismiss
        </Button>
      </div>
      {failed.length > 0 && (
        <ul>
          {failed.map((r) => (
            <li key={r.id}>
              {r.id.slice(0, 8)}: {r.error?.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
