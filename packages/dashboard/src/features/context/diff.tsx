import type { Context } from "@orchestrator/sdk";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Field } from "../../ui/field.tsx";
import { Problem } from "../../ui/problem.tsx";
import { useContextApi } from "./api.ts";
import { Value } from "./tree.tsx";
import { Path } from "./who.tsx";

const tones = { added: "tone-run", removed: "tone-bad", changed: "tone-queue" } as const;

/**
 * What changed between two versions the person picks (the panel starts on the last change), leaf by
 * leaf: each path added, removed or changed, with its value before and after.
 */
export function Diff({
  doc,
  from,
  to,
  onPick,
}: {
  doc: Context.Document;
  from: number;
  to: number;
  onPick: (from: number, to: number) => void;
}) {
  const api = useContextApi();
  const q = useQuery({
    queryKey: ["context", doc.id, "diff", from, to],
    queryFn: () => api.diff(doc.id, from, to),
    // Two versions never change: what they differ by is asked once.
    staleTime: Infinity,
    placeholderData: keepPreviousData,
    enabled: from !== to,
  });
  const versions = Array.from({ length: doc.version + 1 }, (_, i) => doc.version - i);
  const pick = (label: string, value: number, set: (v: number) => void) => (
    <Field label={label}>
      <select value={value} onChange={(e) => set(Number(e.target.value))}>
        {versions.map((v) => (
          <option key={v} value={v}>
            v{v}
            {v === doc.version ? " (current)" : v === 0 ? " (created)" : ""}
          </option>
        ))}
      </select>
    </Field>
  );
  const changes = q.data?.changes ?? [];
  return (
    <div className="stack" data-diff>
      <div className="ctx-pick">
        {pick("From version", from, (v) => onPick(v, to))}
        {pick("To version", to, (v) => onPick(from, v))}
      </div>
      {q.error ? <Problem error={q.error} /> : null}
      {from === to ? (
        <p className="muted">The same version twice: pick two different ones to compare.</p>
      ) : q.data && changes.length === 0 ? (
        <p className="muted">
          v{from} and v{to} hold the same data.
        </p>
      ) : (
        <div className="scroll-x">
          <table className="t cards ctx-diff" aria-label={`Differences from v${from} to v${to}`}>
            <thead>
              <tr>
                <th className="ctx-path-h">Path</th>
                <th>Change</th>
                <th className="text">Before (v{from})</th>
                <th className="text">After (v{to})</th>
              </tr>
            </thead>
            <tbody aria-busy={q.isFetching}>
              {changes.map((c) => (
                <tr key={c.path} data-change={c.kind} data-path={c.path}>
                  <td data-label="Path">
                    <Path p={c.path} />
                  </td>
                  <td data-label="Change">
                    <span className={`badge ${tones[c.kind]}`}>{c.kind}</span>
                  </td>
                  <td data-label="Before" className="ctx-before">
                    {c.kind === "added" ? <span className="muted">—</span> : <Value v={c.before} />}
                  </td>
                  <td data-label="After" className="ctx-after">
                    {c.kind === "removed" ? <span className="muted">—</span> : <Value v={c.after} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
