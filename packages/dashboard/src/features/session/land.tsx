import { ApiError, type Landed, type Session } from "@orchestrator/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Card } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Publish } from "./publish.tsx";

type Refusal = { reason?: string; command?: string; followUp?: string; paths?: string[] };

/**
 * Land a finished session's work (docs/landing.md): merge its branch into the base branch of the user's
 * repository, only when safe. A refusal says why; a dirty checkout gets the command to run, a conflict a
 * button that asks the agent to rebase. With a project remote, it also pushes the branch and opens a pull
 * request (publish.tsx).
 */
export function Land({ s }: { s: Session }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const branch = (s.result as { branch?: unknown } | null)?.branch;
  const merge = useMutation({ mutationFn: () => client.sessions.merge(s.id) });
  const rebase = useMutation({
    mutationFn: (text: string) => client.sessions.send(s.id, text),
    onSuccess: (sent) => {
      qc.setQueryData(["session", s.id], sent.session);
      merge.reset();
    },
  });
  if (typeof branch !== "string" || !["completed", "partially_completed"].includes(s.status)) return null;
  const base = s.workspace?.ref ?? "its base branch";
  const refusal = merge.error instanceof ApiError ? ((merge.error.details ?? {}) as Refusal) : null;
  return (
    <Card title="Land" id="land">
      <div className="stack" data-land>
        <div className="muted">
          Merge <code>{branch}</code> into <code>{base}</code> in your repository: a fast-forward or a clean
          merge, never over uncommitted changes.
        </div>
        {merge.data ? <Outcome m={merge.data} /> : null}
        {merge.error ? <Problem error={merge.error} title="NOT MERGED" /> : null}
        {refusal?.command ? (
          <div>
            Run it yourself once your changes are saved: <code data-command>{refusal.command}</code>
          </div>
        ) : null}
        {refusal?.followUp ? (
          <Button disabled={rebase.isPending} onClick={() => rebase.mutate(refusal.followUp!)}>
            {rebase.isPending ? "Asking…" : "Ask the agent to rebase"}
          </Button>
        ) : null}
        {rebase.error ? <Problem error={rebase.error} /> : null}
        <div className="row">
          <Button variant="primary" disabled={merge.isPending} onClick={() => merge.mutate()}>
            {merge.isPending ? "Merging…" : `Merge into ${base}`}
          </Button>
        </div>
        <Publish s={s} branch={branch} />
      </div>
    </Card>
  );
}

function Outcome({ m }: { m: Landed }) {
  if (m.outcome === "already")
    return <div className="tone-done">{m.base} already holds this branch: nothing to merge.</div>;
  return (
    <div className="tone-done" role="status">
      Merged into <b>{m.base}</b> ({m.fastForward ? "fast-forward" : "merge commit"}) at{" "}
      <code>{m.commit.slice(0, 10)}</code>
      {m.checkout ? (
        <>
          ; the checkout in <code>{m.checkout}</code> moved with it
        </>
      ) : null}
      .
    </div>
  );
}
