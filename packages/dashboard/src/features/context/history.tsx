import type { Context } from "@orchestrator/sdk";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Button } from "../../ui/button.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";
import { useContextApi } from "./api.ts";
import { Actor, Cause } from "./who.tsx";
import { creator, where } from "./words.ts";

/** Changes shown at first and per "older": the newest, since a busy document has thousands. */
const step = 50;
/** Paths listed per change; a merge that touched a hundred lists the first ones and a count. */
const paths = 6;

/**
 * A document's changes, newest first: version, who in words, when, why, the paths it touched, and a
 * button that shows its diff. Ends with the document's creation when the oldest change is on screen.
 */
export function History({ doc, onDiff }: { doc: Context.Document; onDiff: (version: number) => void }) {
  const api = useContextApi();
  const [n, setN] = useState(step);
  const after = Math.max(0, doc.version - n);
  const q = useQuery({
    queryKey: ["context", doc.id, "history", doc.version, n],
    queryFn: () => api.history(doc.id, { after, limit: Math.min(500, n) }),
    placeholderData: keepPreviousData,
  });
  const items = [...(q.data ?? [])].reverse();
  const made = creator(doc.createdBy);
  return (
    <div data-history>
      {q.error ? <Problem error={q.error} /> : null}
      <ol className="feed" aria-label="Changes, newest first">
        {items.map((c) => (
          <li key={c.version} data-version={c.version}>
            <b className="nowrap">v{c.version}</b>
            <span className="ctx-grow">
              <Actor a={c.actor} /> · <Ago at={c.at} />
              {c.causationId && " · "}
              <Cause id={c.causationId} />
              <Touched touched={c.touched} />
            </span>
            <Button size="sm" onClick={() => onDiff(c.version)} aria-label={`Diff of version ${c.version}`}>
              Diff
            </Button>
          </li>
        ))}
        {after === 0 && (
          <li data-version={0}>
            <b className="nowrap">v0</b>
            <span className="ctx-grow">
              created by {made ? <Actor a={made} /> : doc.createdBy} · <Ago at={doc.createdAt} />
            </span>
          </li>
        )}
      </ol>
      {after > 0 && (
        <div className="body">
          <Button size="sm" onClick={() => setN(Math.min(500, n + step))} disabled={n >= 500 || q.isFetching}>
            {n >= 500 ? `Only the last 500 changes are shown here` : `Show ${Math.min(step, after)} older`}
          </Button>
        </div>
      )}
    </div>
  );
}

function Touched({ touched }: { touched: Context.Touch[] }) {
  if (!touched.length) return null;
  const more = touched.length - paths;
  return (
    <span className="ctx-paths" aria-label="Paths touched">
      {touched.slice(0, paths).map((t, i) => (
        <code key={i} title={t.kind === "set" ? "replaced" : t.kind === "merge" ? "combined" : "read"}>
          {where(t.path)}
          {t.kind !== "set" && <span className="muted"> ({t.kind === "merge" ? "combined" : "read"})</span>}
        </code>
      ))}
      {more > 0 && <span className="muted">and {more} more</span>}
    </span>
  );
}
