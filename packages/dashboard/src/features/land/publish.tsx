import { ApiError, type PullRequest, type Pushed as PushResult } from "@orchestrator/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Problem } from "../../ui/problem.tsx";
import { type Target, useLands } from "./api.ts";

/**
 * Push a finished session's or plan's branch to its project's remote and open a pull request there
 * (docs/landing.md). Without a project remote the card says where to set one. The PR's state is read again
 * from the forge.
 */
export function Publish({ t, onLanded }: { t: Target; onLanded?: () => void }) {
  const { client } = useAuth();
  const api = useLands(t.kind);
  const qc = useQueryClient();
  const branch = t.branch;
  const key = ["pull-request", t.kind, t.id];
  const project = useQuery({
    queryKey: ["project", t.projectId],
    queryFn: () => client.projects.get(t.projectId!),
    enabled: !!t.projectId,
  });
  const pr = useQuery({
    queryKey: key,
    // None yet is an answer, not an error.
    queryFn: () =>
      api.pullRequest(t.id).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }),
    enabled: !!t.projectId,
  });
  const push = useMutation({ mutationFn: () => api.push(t.id), onSettled: onLanded });
  const open = useMutation({
    mutationFn: () => api.openPullRequest(t.id),
    onSuccess: (p) => qc.setQueryData(key, p),
    onSettled: onLanded,
  });
  if (!t.projectId) return null;
  const remote = project.data?.remote;
  if (project.data && !remote)
    return (
      <div className="muted" data-publish>
        To push <code>{branch}</code> or open a pull request, give project{" "}
        <Link to="/projects">{project.data.name}</Link> a remote.
      </div>
    );
  if (!remote) return null;
  const canPr = !!remote.forge && remote.token;
  return (
    <div className="stack" data-publish>
      <div className="muted">
        Push <code>{branch}</code> to <code>{remote.url}</code>
        {remote.forge ? ` and open a pull request on ${remote.forge === "github" ? "GitHub" : "GitLab"}` : ""}
        .
      </div>
      {push.data ? <PushedLine p={push.data} /> : null}
      {push.error ? <Problem error={push.error} title="NOT PUSHED" /> : null}
      {pr.data ? <Pr p={pr.data} /> : null}
      {open.error ? <Problem error={open.error} title="NO PULL REQUEST" /> : null}
      {remote.forge && !remote.token ? (
        <div className="muted">The remote has no token, so no pull request can be opened.</div>
      ) : null}
      <div className="row">
        <Button disabled={push.isPending || open.isPending} onClick={() => push.mutate()}>
          {push.isPending ? "Pushing…" : "Push branch"}
        </Button>
        {canPr ? (
          <Button disabled={open.isPending || push.isPending} onClick={() => open.mutate()}>
            {open.isPending ? "Opening…" : pr.data ? "Update pull request" : "Open pull request"}
          </Button>
        ) : null}
      </div>
    </div>
  );
}

function PushedLine({ p }: { p: PushResult }) {
  return (
    <div className="tone-done" role="status">
      {p.outcome === "already" ? "The remote already had " : "Pushed "}
      <code>{p.branch}</code> at <code>{p.commit.slice(0, 10)}</code>.
    </div>
  );
}

function Pr({ p }: { p: PullRequest }) {
  const kind = p.forge === "gitlab" ? `Merge request !${p.number}` : `Pull request #${p.number}`;
  const tone = p.state === "merged" ? "tone-done" : p.state === "closed" ? "tone-bad" : "";
  return (
    <div className={tone} role="status" data-pr>
      <a href={p.url} target="_blank" rel="noreferrer">
        {kind}
      </a>{" "}
      is <b>{p.state}</b>: {p.head} → {p.base}.
    </div>
  );
}
