import type { Context } from "@orchestrator/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { Button } from "../../ui/button.tsx";
import { count } from "../../ui/count.ts";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";
import { pollMs, useContextApi } from "./api.ts";
import { Choice } from "./choice.tsx";
import { type Pick, mergeProblem, parseValue } from "./words.ts";

/**
 * Merges waiting for a person, whose target or source is this document: each conflict with both values
 * side by side and a choice, then Resolve (written if the target has not moved since) or Abandon.
 */
export function Conflicts({ doc }: { doc: Context.Document }) {
  const api = useContextApi();
  const q = useQuery({
    queryKey: ["context", doc.id, "merges"],
    queryFn: () => api.open(doc.id),
    refetchInterval: pollMs.merges,
  });
  if (q.error)
    return (
      <div className="body ctx-conflicts">
        <Problem error={q.error} title="Could not read this document's merges" />
      </div>
    );
  if (!q.data?.length) return null;
  return (
    <div className="body stack ctx-conflicts" data-conflicts>
      {q.data.map((m) => (
        <Open key={m.id} m={m} doc={doc} />
      ))}
    </div>
  );
}

function Open({ m, doc }: { m: Context.Merge; doc: Context.Document }) {
  const api = useContextApi();
  const qc = useQueryClient();
  const other = m.targetId === doc.id ? m.sourceId : m.targetId;
  const peer = useQuery({ queryKey: ["context", other], queryFn: () => api.get(other) });
  const [picks, setPicks] = useState<Record<string, Pick>>({});
  const name = (id: string) =>
    id === doc.id
      ? `this document (${doc.name})`
      : peer.data
        ? `${peer.data.scope} “${peer.data.name}”`
        : "the other document";
  const done = () => {
    // Settled: off the list at once, rather than at the next poll.
    qc.setQueryData<Context.Merge[]>(["context", doc.id, "merges"], (l) => l?.filter((x) => x.id !== m.id));
    for (const id of [m.targetId, m.sourceId]) void qc.invalidateQueries({ queryKey: ["context", id] });
    void qc.invalidateQueries({ queryKey: ["contexts"] });
  };
  const choices = m.conflicts.flatMap((c): Context.Choice[] => {
    const p = picks[c.path];
    if (!p) return [];
    if (p.take !== "value") return [{ path: c.path, take: p.take }];
    const v = parseValue(p.text);
    return v.ok ? [{ path: c.path, take: "value", value: v.value }] : [];
  });
  const resolve = useMutation({ mutationFn: () => api.resolve(m.id, choices), onSuccess: done });
  const abandon = useMutation({ mutationFn: () => api.abandon(m.id), onSuccess: done });
  // The target moved under the merge: give this one up and compute it afresh on what the target is now.
  const again = useMutation({
    mutationFn: async () => {
      await api.abandon(m.id);
      return api.merge(m.targetId, m.sourceId, m.strategy);
    },
    onSuccess: done,
  });
  const busy = resolve.isPending || abandon.isPending || again.isPending;
  const failed = resolve.error ?? abandon.error;
  const problem = failed ? mergeProblem(failed) : null;
  const all = (take: "target" | "source") =>
    setPicks(Object.fromEntries(m.conflicts.map((c) => [c.path, { take }])));
  return (
    <section className="ctx-merge" data-merge={m.id} aria-label={`Merge waiting for a choice`}>
      <div className="spread">
        <b className="tone-ask">Merge waiting for you · {count(m.conflicts.length, "conflict")}</b>
        <span className="muted">
          opened <Ago at={m.createdAt} />
        </span>
      </div>
      <p className="muted ctx-line">
        {m.strategy} merge of <Doc id={m.sourceId} name={name(m.sourceId)} self={doc.id} /> (v
        {m.sourceVersion}) into <Doc id={m.targetId} name={name(m.targetId)} self={doc.id} /> (computed on v
        {m.targetVersion}). What does not conflict is merged; for each conflict, choose what the target keeps.
      </p>
      <div className="row">
        <Button size="sm" onClick={() => all("target")} disabled={busy}>
          Keep the target's everywhere
        </Button>
        <Button size="sm" onClick={() => all("source")} disabled={busy}>
          Take the source's everywhere
        </Button>
      </div>
      {m.conflicts.map((c) => (
        <Choice
          key={c.path}
          mergeId={m.id}
          c={c}
          pick={picks[c.path]}
          onPick={(p) => setPicks({ ...picks, [c.path]: p })}
          target={name(m.targetId)}
          source={name(m.sourceId)}
        />
      ))}
      {problem && (
        <div className="error-box" role="alert" data-problem>
          <b>Not resolved.</b> {problem.text}
          {problem.again && (
            <div className="row" style={{ marginTop: 8 }}>
              <Button
                size="sm"
                variant="primary"
                disabled={busy}
                onClick={() => again.mutate()}
                title="abandons this merge and merges the source again into the target as it is now"
              >
                Merge again
              </Button>
            </div>
          )}
        </div>
      )}
      {again.error ? <Problem error={again.error} title="Could not merge again" /> : null}
      <div className="row">
        <Button
          variant="primary"
          disabled={busy || choices.length < m.conflicts.length}
          onClick={() => resolve.mutate()}
        >
          {resolve.isPending ? "Resolving…" : "Resolve"}
        </Button>
        <Button variant="danger" disabled={busy} onClick={() => abandon.mutate()}>
          Abandon
        </Button>
        <span className="muted" aria-live="polite">
          {choices.length < m.conflicts.length
            ? `${choices.length} of ${m.conflicts.length} chosen`
            : "every conflict has a choice"}
        </span>
      </div>
    </section>
  );
}

function Doc({ id, name, self }: { id: string; name: string; self: string }) {
  return id === self ? <b>{name}</b> : <Link to={`/contexts/${id}`}>{name}</Link>;
}
