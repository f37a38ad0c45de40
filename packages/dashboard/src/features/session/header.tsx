import { type Action, type Session, terminal } from "@orchestrator/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { StatusBadge } from "../../ui/badge.tsx";
import { Button } from "../../ui/button.tsx";
import { Dialog } from "../../ui/dialog.tsx";
import { Field } from "../../ui/field.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";
import type { Route } from "./fold.ts";

const order: Action[] = ["start", "pause", "resume", "retry", "stop", "cancel"];
const words: Record<Action, string> = {
  start: "Start",
  pause: "Pause",
  resume: "Resume",
  retry: "Retry",
  stop: "Stop",
  cancel: "Cancel",
};
/** Actions that end work in progress ask first. */
const confirm: Partial<Record<Action, string>> = {
  cancel: "The session ends as cancelled; a running agent is stopped.",
  stop: "The running attempt is stopped and the session ends as stopped (it can be retried).",
};

/** Status, agent, attempt, lease and why this agent; the actions the state machine allows right now. */
export function Header({ s, route }: { s: Session; route: Route | null }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const [asking, setAsking] = useState<Action | null>(null);
  const [why, setWhy] = useState("");
  const agents = useQuery({ queryKey: ["agents"], queryFn: () => client.agents.list(), staleTime: 30_000 });
  const agent = agents.data?.find((a) => a.id === s.agentId);
  const act = useMutation({
    // The server records who asked (the key); a reason is the person's own words, or none.
    mutationFn: ({ a, reason }: { a: Action; reason?: string }) =>
      client.sessions[a](s.id, reason ? { reason } : {}),
    onSuccess: (row) => {
      qc.setQueryData(["session", s.id], row);
      void qc.invalidateQueries({ queryKey: ["sessions"] });
    },
  });
  const run = (a: Action) => {
    if (!confirm[a]) return act.mutate({ a });
    setWhy("");
    setAsking(a);
  };
  const review = useMutation({
    mutationFn: () => client.sessions.review(s.id),
    onSuccess: (row) => {
      qc.setQueryData(["session", s.id], row);
      void qc.invalidateQueries({ queryKey: ["attention"] });
    },
  });
  const ended = terminal.includes(s.status);

  return (
    <div className="page-head" style={{ alignItems: "flex-start" }}>
      <div className="stack" style={{ gap: 6 }}>
        <div className="label">
          <Link to="/sessions">Sessions</Link> / {s.id.slice(0, 8)}
        </div>
        <Parent s={s} />
        <div className="row">
          <h1 style={{ textTransform: "none" }}>{s.title}</h1>
          <StatusBadge status={s.status} />
        </div>
        <div className="row muted" style={{ gap: 14 }}>
          <span>
            agent{" "}
            {agent ? (
              <Link to={`/agents/${agent.id}`}>{agent.name}</Link>
            ) : (
              <b>{route?.agent ?? s.agent ?? s.profile ?? "not yet routed"}</b>
            )}
          </span>
          <span>
            attempt {s.attempt}/{s.maxAttempts}
            {/* A retry or a follow-up starts a new round: its attempts count afresh. */}
            {s.retries > 0 && ` · round ${s.retries + 1}`}
          </span>
          <span data-lease>
            lease {s.lease ? <Ago at={s.lease.expiresAt} prefix="expires " future /> : "none"}
          </span>
          <span>{s.priority} priority</span>
          <span data-created>
            created <Ago at={s.createdAt} />
          </span>
        </div>
        {route?.why && (
          <div className="muted" data-why>
            why this agent: {route.why}
            {route.runnersUp.length > 0 &&
              ` (runners-up: ${route.runnersUp.map((r) => `${r.name} ${r.score}`).join(", ")})`}
          </div>
        )}
        {s.status === "queued" && s.queueReason && <div className="tone-queue">waiting: {s.queueReason}</div>}
      </div>
      <div className="row" role="group" aria-label="Session actions">
        {ended && (
          <Button
            disabled={s.reviewedAt !== null || review.isPending}
            onClick={() => review.mutate()}
            title={
              s.reviewedAt
                ? `reviewed ${new Date(s.reviewedAt).toLocaleString()}`
                : "take it off the attention queue"
            }
          >
            {s.reviewedAt ? "Reviewed" : "Mark reviewed"}
          </Button>
        )}
        {order.map((a) => (
          <Button
            key={a}
            variant={
              a === "cancel" || a === "stop"
                ? "danger"
                : a === "retry" || a === "start"
                  ? "primary"
                  : "default"
            }
            disabled={!s.actions.includes(a) || act.isPending}
            title={s.actions.includes(a) ? undefined : `not allowed while ${s.status}`}
            onClick={() => run(a)}
            data-action={a}
          >
            {words[a]}
          </Button>
        ))}
      </div>
      {act.error || review.error ? (
        <div style={{ flexBasis: "100%" }}>
          <Problem error={act.error ?? review.error} />
        </div>
      ) : null}
      <Dialog
        open={asking !== null}
        onClose={() => setAsking(null)}
        title={`${asking ? words[asking] : ""} this session?`}
        footer={
          <>
            <Button onClick={() => setAsking(null)}>Keep running</Button>
            <Button
              variant="danger"
              onClick={() => {
                if (asking) act.mutate({ a: asking, reason: why.trim() || undefined });
                setAsking(null);
              }}
            >
              {asking ? words[asking] : ""} session
            </Button>
          </>
        }
      >
        <p style={{ margin: 0 }}>{asking && confirm[asking]}</p>
        <Field label="Reason (optional)" hint="Kept in the session's log, with who asked.">
          <input value={why} onChange={(e) => setWhy(e.target.value)} maxLength={1000} />
        </Field>
      </Dialog>
    </div>
  );
}

/**
 * Where the session came from: a fork names its original and the checkpoint it started at (the link
 * lands on that checkpoint); any other child names its parent.
 */
function Parent({ s }: { s: Session }) {
  const { client } = useAuth();
  const parent = useQuery({
    queryKey: ["session", s.parentId],
    queryFn: () => client.sessions.get(s.parentId!),
    enabled: s.parentId !== null,
    retry: false,
  });
  if (!s.parentId) return null;
  const f = s.metadata.forkOf as { sessionId?: string; seq?: number; commit?: string } | undefined;
  const fork = f?.sessionId === s.parentId && typeof f.seq === "number" ? f : null;
  const name = parent.data?.title ?? s.parentId.slice(0, 8);
  return (
    <div className="muted" data-parent>
      {fork ? "forked from " : "part of "}
      <Link to={`/sessions/${s.parentId}${fork ? `#checkpoint-${fork.seq}` : ""}`}>{name}</Link>
      {fork && (
        <>
          {" "}
          at checkpoint #{fork.seq}
          {fork.commit && (
            <>
              {" "}
              (<code>{fork.commit.slice(0, 10)}</code>)
            </>
          )}
        </>
      )}
    </div>
  );
}
