import { ApiError } from "@orchestrator/sdk";
import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { Card, Empty, PageHead } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Checkpoints } from "./checkpoints.tsx";
import { DiffView } from "./diff.tsx";
import { Header } from "./header.tsx";
import type { Item } from "./fold.ts";
import { useLog } from "./log.ts";
import { FollowUp } from "./message.tsx";
import { Land } from "./land.tsx";
import { Metrics } from "./metrics.tsx";
import { Result } from "./result.tsx";
import { Timeline } from "./timeline.tsx";
import { serverNow } from "../../ui/time.tsx";
import { Reads, SessionContext } from "../context/session.tsx";

/** The Glass Box: one session, its header and actions, the live timeline, metrics, checkpoints and diff. */
export function Page() {
  const { id = "" } = useParams();
  const { client } = useAuth();
  const session = useQuery({
    queryKey: ["session", id],
    queryFn: () => client.sessions.get(id),
    refetchInterval: (q) => leaseCheck(q.state.data?.lease?.expiresAt),
  });
  const log = useLog(id);
  const s = session.data;
  // The log's socket ends for good on the same answer (4404), so nothing keeps asking in the background.
  if (session.error instanceof ApiError && session.error.status === 404)
    return (
      <>
        <PageHead title="Session not found" />
        <Empty>
          No session <code>{id}</code> here: it was deleted, or the link is wrong.{" "}
          <Link to="/sessions">All sessions</Link>
        </Empty>
      </>
    );
  if (session.error)
    return (
      <>
        <PageHead title="Session" />
        <Problem error={session.error} />
      </>
    );
  // The timeline does not wait for the session row: on a cold open its replay is usually first.
  const timeline = <Timeline model={log.model} version={log.version} state={log.state} sessionId={id} />;
  if (!s)
    return (
      <>
        <div className="page-head skeleton" style={{ height: 96 }} aria-busy="true" />
        {timeline}
      </>
    );
  return (
    <>
      <Header s={s} route={log.model.route} />
      <div className="grid-2">
        <div className="stack">
          {timeline}
          {!s.planId && <FollowUp s={s} />}
          <DiffView s={s} />
          {!s.planId && <Land s={s} />}
          <SessionContext s={s} />
        </div>
        <div className="stack">
          <Metrics s={s} events={log.model.lastSeq} />
          <Result s={s} ending={ending(log.model.items, s.status)} />
          {s.error && !personal.includes(s.error.code) && (
            <Card title="Error" id="error">
              <div className="tone-bad">
                <b>{s.error.code}</b>: {s.error.message}
              </div>
              {s.error.retryable !== undefined && (
                <div className="muted">retryable: {String(s.error.retryable)}</div>
              )}
            </Card>
          )}
          <Card title="Prompt" id="prompt">
            <div className="tl-text" style={{ maxHeight: 240, overflow: "auto" }}>
              {s.prompt}
            </div>
            {s.workspace && (
              <div className="muted" style={{ marginTop: 8 }}>
                workspace <code>{s.workspace.repo}</code>
                {s.workspace.ref && ` @ ${s.workspace.ref}`}
              </div>
            )}
          </Card>
          <Checkpoints s={s} />
          <Reads s={s} />
        </div>
      </div>
    </>
  );
}

/** A person's cancel or stop is not an error: the Result card says who ended it, when and why. */
const personal = ["cancelled", "stopped"];

/** The timeline's entry for the move into the session's current status: who made it, and why. */
function ending(items: Item[], status: string) {
  for (let i = items.length - 1; i >= 0; i--) {
    const it = items[i]!;
    if (it.kind === "status" && it.to === status) return it;
  }
  return undefined;
}

/**
 * When to read the session again while it holds a lease: halfway to the expiry it was last seen with,
 * between 1 and 10 s. The runner renews the lease every heartbeat without writing an event (at ~1 per
 * 5 s per running session, logging renewals would double a quiet log for nothing), so the stream never
 * says the lease moved; a session waiting for a person has no events at all. Reading the row again keeps
 * "running" on screen meaning a live lease: a renewed one moves out again, a dead one counts down to its
 * expiry (and the reaper's status change then arrives on the stream).
 */
function leaseCheck(expiresAt: string | undefined): number | false {
  if (!expiresAt) return false;
  const left = Date.parse(expiresAt) - serverNow();
  return Math.min(10_000, Math.max(1_000, left / 2));
}
