import type { Client } from "@orchestrator/sdk";
import { Link } from "react-router";
import { StatusBadge } from "../../ui/badge.tsx";
import { Card, Empty } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";

type Data = Awaited<ReturnType<Client["attention"]>>;

export const kinds = {
  approval: { label: "approval waiting", tone: "ask" },
  conflict: { label: "merge conflict", tone: "bad" },
  merge: { label: "context conflict", tone: "ask" },
  stalled: { label: "stalled", tone: "hold" },
  failed: { label: "failed", tone: "bad" },
  review: { label: "ready to review", tone: "done" },
} as const;

/**
 * What waits for a person, ranked by the server: approvals first, then plan tasks whose merge conflicted,
 * context merges to settle, stalled, failed, and finished work. Each item links where the server says it is shown.
 */
export function Attention({ data, error }: { data: Data | undefined; error: unknown }) {
  return (
    <Card
      title="Attention queue"
      id="attention"
      pad={false}
      action={
        data && (
          <span className="row" style={{ fontSize: 11 }}>
            {Object.entries(kinds).map(([k, v]) => (
              <span key={k} className={`tone-${v.tone}`}>
                {data.counts[k as keyof typeof kinds]} {v.label}
              </span>
            ))}
          </span>
        )
      }
    >
      {error ? <Problem error={error} /> : null}
      {data && data.items.length === 0 && (
        <div className="body">
          <Empty>Nothing needs a person</Empty>
        </div>
      )}
      <ol className="feed" aria-label="Needs attention, most urgent first">
        {data?.items.map((it) => (
          <li
            key={`${it.kind}-${it.approvalId ?? it.merge?.id ?? it.sessionId}`}
            data-kind={it.kind}
            data-row
          >
            <span className={`badge tone-${kinds[it.kind].tone}`}>{kinds[it.kind].label}</span>
            <Link to={it.link} className="attn">
              {it.title}
              {it.detail && (
                <span className="muted">
                  {" — "}
                  {it.kind === "approval" ? <code>{it.detail}</code> : it.detail}
                </span>
              )}
            </Link>
            {it.status ? <StatusBadge status={it.status} /> : <span />}
            <span className="muted">
              <Ago at={it.at} />
            </span>
          </li>
        ))}
      </ol>
    </Card>
  );
}
