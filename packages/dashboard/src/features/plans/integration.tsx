import { ApiError, type Landing, type Plan } from "@orchestrator/sdk";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Card } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Land } from "../land/land.tsx";
import { landingWords } from "../land/words.ts";
import { Ago } from "../../ui/time.tsx";
import { Changes } from "../session/diff.tsx";
import { useWho } from "../session/who.ts";
import { usePlans } from "./api.ts";

/** A plan in one of these has work to land: what its succeeded tasks merged. */
const landable: Plan.PlanStatus[] = ["succeeded", "partially_succeeded"];

/**
 * Where the tasks' work comes together: the integration branch cut from the base commit, the commit each
 * task was merged as, the branch's diff against its base, and once the plan has finished, landing it.
 */
export function Integration({ p }: { p: Plan.View }) {
  const api = usePlans();
  const qc = useQueryClient();
  const merged = p.tasks.filter((t) => t.mergedCommit);
  const diff = useQuery({
    // Refetched as tasks merge: the merged commits are the key.
    queryKey: ["plan", p.id, "diff", merged.map((t) => t.mergedCommit).join()],
    queryFn: () => api.diff(p.id),
    enabled: !!p.integrationBranch,
    retry: false,
  });
  const missing = diff.error instanceof ApiError && diff.error.status === 404;
  return (
    <div className="stack" data-integration>
      <Card title="Integration" id="integration">
        {!p.integrationBranch ? (
          <p className="muted" style={{ margin: 0 }}>
            {p.status === "draft"
              ? "The integration branch is cut from the project's base when the plan starts."
              : "This plan runs without a repository: there is no integration branch."}
          </p>
        ) : (
          <div className="stack">
            <dl className="kv">
              <dt>Branch</dt>
              <dd>
                <code data-branch>{p.integrationBranch}</code>
              </dd>
              <dt>Base</dt>
              <dd>
                <code>{p.baseCommit?.slice(0, 12) ?? "—"}</code>
              </dd>
            </dl>
            <table className="t cards" aria-label="Merged tasks">
              <thead>
                <tr>
                  <th>Task</th>
                  <th>Merged as</th>
                </tr>
              </thead>
              <tbody>
                {p.tasks.map((t) => (
                  <tr key={t.key}>
                    <td data-label="Task">{t.key}</td>
                    <td data-label="Merged as">
                      {t.mergedCommit ? (
                        <code title={t.mergedCommit}>{t.mergedCommit.slice(0, 12)}</code>
                      ) : (
                        <span className="muted">not merged</span>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      {p.integrationBranch && landable.includes(p.status) ? (
        <Land
          t={{
            kind: "plan",
            id: p.id,
            branch: p.integrationBranch,
            base: p.workspace?.ref ?? null,
            projectId: p.projectId,
          }}
          onLanded={() => void qc.invalidateQueries({ queryKey: ["plan", p.id, "landings"] })}
        />
      ) : null}
      {p.integrationBranch ? <Landings id={p.id} /> : null}
      {p.integrationBranch &&
        (missing ? (
          <Card title="Changes" id="diff">
            <p className="muted" style={{ margin: 0 }} data-diff-missing>
              Diff not available: the server has no diff for this plan's branch.
            </p>
          </Card>
        ) : diff.error ? (
          <Problem error={diff.error} title="Could not load the integration diff" />
        ) : diff.data ? (
          <Changes
            diff={diff.data}
            branch={p.integrationBranch}
            empty="Nothing merged into the branch yet."
          />
        ) : null)}
    </div>
  );
}

/** The plan's landings so far (its plan.landing entries), newest first: merged, pushed, PR opened, or why not. */
function Landings({ id }: { id: string }) {
  const api = usePlans();
  const whoIs = useWho();
  const log = useQuery({
    queryKey: ["plan", id, "landings"],
    queryFn: () => api.events(id, { type: "plan.landing", limit: 1000 }),
  });
  const items = (log.data ?? []).filter((e) => e.type === "plan.landing").reverse();
  if (log.error) return <Problem error={log.error} title="Could not load the plan's landings" />;
  if (!items.length) return null;
  return (
    <Card title="Landings" id="landings">
      <ul className="landings" data-landings>
        {items.map((e) => {
          const w = landingWords(e.data as Landing);
          return (
            <li key={e.seq} className={`tone-${w.tone}`}>
              {w.text}{" "}
              <span className="muted">
                · <Ago at={e.at} /> · by {whoIs((e.data as Landing).by)}
              </span>
            </li>
          );
        })}
      </ul>
    </Card>
  );
}
