import { ApiError, type PullRequest, type Pushed as PushResult, type Session } from "@orchestrator/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Link } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Problem } from "../../ui/problem.tsx";

/**
 * Push a finished session's branch to its project's remote and open a pull request there (docs/landing.md).
 * Without a project remote the card says where to set one. The PR's state is read again from the forge.
 */
export function Publish({ s, branch }: { s: Session; branch: string }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const project = useQuery({
    queryKey: ["project", s.projectId],
    queryFn: () => client.projects.get(s.projectId!),
    enabled: !!s.projectId,
  });
  const pr = useQuery({
    queryKey: ["pull-request", s.id],
    // None yet is an answer, not an error.
    queryFn: () =>
      client.sessions.pullRequest(s.id).catch((err: unknown) => {
        if (err instanceof ApiError && err.status === 404) return null;
        throw err;
      }),
    enabled: !!s.projectId,
  });
  const push = useMutation({ mutationFn: () => client.sessions.push(s.id) });
  const open = useMutation({
    mutationFn: () => client.sessions.openPullRequest(s.id),
    onSuccess: (p) => qc.setQueryData(["pull-request", s.id], p),
  });
  if (!s.projectId) return null;
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
