import { ApiError, type Landed } from "@orchestrator/sdk";
import { useMutation } from "@tanstack/react-query";
import { Button } from "../../ui/button.tsx";
import { Card } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { type Target, useLands } from "./api.ts";
import { Publish } from "./publish.tsx";

type Refusal = { reason?: string; command?: string; followUp?: string; paths?: string[] };

/**
 * Land finished work (docs/landing.md): merge its branch into the base branch of the user's repository,
 * only when safe. A refusal says why; a dirty checkout gets the command to run, a conflict on a session a
 * button that asks its agent to rebase (`rebase`). With a project remote, it also pushes the branch and
 * opens a pull request (publish.tsx). `onLanded` hears of each attempt, whatever its outcome.
 */
export function Land({ t, rebase, onLanded }: { t: Target; rebase?: Rebase; onLanded?: () => void }) {
  const api = useLands(t.kind);
  const merge = useMutation({ mutationFn: () => api.merge(t.id), onSettled: onLanded });
  const base = t.base ?? "its base branch";
  const refusal = merge.error instanceof ApiError ? ((merge.error.details ?? {}) as Refusal) : null;
  return (
    <Card title="Land" id="land">
      <div className="stack" data-land>
        <div className="muted">
          Merge <code>{t.branch}</code> into <code>{base}</code> in your repository: a fast-forward or a clean
          merge, never over uncommitted changes.
        </div>
        {merge.data ? <Outcome m={merge.data} /> : null}
        {merge.error ? <Problem error={merge.error} title="NOT MERGED" /> : null}
        {refusal?.command ? (
          <div>
            Run it yourself once your changes are saved: <code data-command>{refusal.command}</code>
          </div>
        ) : null}
        {refusal?.followUp && rebase ? (
          <Button
            disabled={rebase.pending}
            onClick={() => rebase.ask(refusal.followUp!, () => merge.reset())}
          >
            {rebase.pending ? "Asking…" : "Ask the agent to rebase"}
          </Button>
        ) : null}
        {rebase?.error ? <Problem error={rebase.error} /> : null}
        <div className="row">
          <Button variant="primary" disabled={merge.isPending} onClick={() => merge.mutate()}>
            {merge.isPending ? "Merging…" : `Merge into ${base}`}
          </Button>
        </div>
        <Publish t={t} onLanded={onLanded} />
      </div>
    </Card>
  );
}

/** Asking a session's agent to rebase after a conflict: a follow-up message. */
export interface Rebase {
  ask: (text: string, done: () => void) => void;
  pending: boolean;
  error: unknown;
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
