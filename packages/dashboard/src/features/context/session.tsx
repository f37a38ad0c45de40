import { type Session, terminal } from "@orchestrator/sdk";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { Card } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";
import { useContextApi, useDocuments } from "./api.ts";
import { ContextPanel } from "./panel.tsx";

/**
 * A session's shared context: its own documents (scope session) and, for a plan's task, the plan's
 * `main` document, where the tasks' results and the agents' findings meet.
 */
export function SessionContext({ s }: { s: Session }) {
  const own = useDocuments({ scope: "session", ownerId: s.id });
  const plan = useDocuments({ scope: "plan", ownerId: s.planId ?? "", name: "main" }, s.planId !== null);
  const error = own.error ?? plan.error;
  const docs = own.data ?? [];
  const main = plan.data?.[0];
  if (error) return <Problem error={error} title="Could not read this session's context" />;
  if (!own.data || (s.planId && !plan.data)) return null;
  if (!docs.length && !main)
    return (
      <Card title="Shared context" id="context">
        <ContextEmpty>
          This session has no shared context yet. Shared context is JSON that agents and people share while
          they work (decisions, findings, a plan&apos;s task results), kept with every version and who wrote
          it. The session&apos;s agent writes it through its MCP tools; people through the API (
          <code>POST /api/v1/contexts</code>) or <code>orchestrator context</code>.
        </ContextEmpty>
      </Card>
    );
  return (
    <>
      {docs.map((d) => (
        <ContextPanel key={d.id} id={d.id} title={`Session context · ${d.name}`} />
      ))}
      {main && (
        <ContextPanel
          id={main.id}
          title={
            <>
              Plan context · <Link to={`/plans/${s.planId}`}>its plan</Link>&apos;s {main.name}
            </>
          }
        />
      )}
    </>
  );
}

/** The versions of context documents the session's agent read: what its result was based on. */
export function Reads({ s }: { s: Session }) {
  const api = useContextApi();
  const ended = terminal.includes(s.status);
  // Under the session's key: the app's socket refreshes it on the session's moves; the poll between them.
  const q = useQuery({
    queryKey: ["session", s.id, "context-reads"],
    queryFn: () => api.reads(s.id),
    refetchInterval: ended ? false : 5_000,
  });
  const items = q.data ?? [];
  return (
    <Card title={`What it read · ${items.length}`} id="reads" pad={false}>
      {q.error ? <Problem error={q.error} /> : null}
      {q.data && !items.length && (
        <div className="body muted">Its agent has read no shared context{ended ? "" : " yet"}.</div>
      )}
      <ol className="feed" aria-label="Context versions its agent read">
        {items.map((r) => (
          <li key={`${r.contextId}:${r.version}`} data-read={r.contextId} data-version={r.version}>
            <span className="ctx-grow">
              <Link to={`/contexts/${r.contextId}?version=${r.version}`}>
                {r.scope} “{r.name}” v{r.version}
              </Link>
            </span>
            <span className="muted">
              <Ago at={r.at} />
            </span>
          </li>
        ))}
      </ol>
    </Card>
  );
}

/** What an empty context section says: what context is, in sentences, not the Empty box's capitals. */
export function ContextEmpty({ children }: { children: React.ReactNode }) {
  return (
    <div className="empty ctx-empty" data-context-empty>
      {children}
    </div>
  );
}
