import { CreateProject, type Project, type Status } from "@orchestrator/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useSearchParams } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { StatusBadge } from "../../ui/badge.tsx";
import { Button } from "../../ui/button.tsx";
import { Card, Empty, PageHead } from "../../ui/card.tsx";
import { Dialog } from "../../ui/dialog.tsx";
import { Field } from "../../ui/field.tsx";
import { Form, formErrors } from "../../ui/form.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";
import { Remote } from "./remote.tsx";

/** Registered repositories; pick one to see its worktrees and the session each belongs to. */
export function Page() {
  const { client } = useAuth();
  const [params, setParams] = useSearchParams();
  const [adding, setAdding] = useState(false);
  const projects = useQuery({ queryKey: ["projects"], queryFn: () => client.projects.list() });
  const picked = projects.data?.find((p) => p.name === params.get("p")) ?? projects.data?.[0];
  return (
    <>
      <PageHead title="Projects" sub="Repositories sessions work on, each session in its own git worktree.">
        <Button variant="primary" onClick={() => setAdding(true)}>
          + Register repository
        </Button>
      </PageHead>
      {projects.error ? <Problem error={projects.error} /> : null}
      {projects.data?.length === 0 && (
        <Empty>No projects yet: register a git repository to give sessions a workspace</Empty>
      )}
      {picked && (
        <div className="grid-2 list-first">
          <Card title="Repositories" id="repos" pad={false}>
            <ul className="feed">
              {projects.data?.map((p) => (
                <li key={p.id}>
                  <button
                    className="chip grow"
                    style={{ textAlign: "left", textTransform: "none" }}
                    aria-pressed={p.id === picked.id}
                    onClick={() => setParams({ p: p.name }, { replace: true })}
                  >
                    {p.name}
                    <div className="muted" style={{ fontWeight: 400 }}>
                      {p.path}
                    </div>
                  </button>
                </li>
              ))}
            </ul>
          </Card>
          <div className="stack">
            <Remote p={picked} />
            <Worktrees p={picked} />
          </div>
        </div>
      )}
      <AddProject open={adding} onClose={() => setAdding(false)} onAdded={(p) => setParams({ p: p.name })} />
    </>
  );
}

function Worktrees({ p }: { p: Project }) {
  const { client } = useAuth();
  const wt = useQuery({
    queryKey: ["projects", p.name, "worktrees"],
    queryFn: () => client.projects.worktrees(p.name),
    refetchInterval: 5_000,
  });
  return (
    <Card title={`${p.name} · worktrees`} id="worktrees" pad={false}>
      <div className="body">
        <dl className="kv">
          <dt>path</dt>
          <dd>
            <code>{p.path}</code>
          </dd>
          <dt>base</dt>
          <dd>{p.baseBranch}</dd>
          <dt>setup</dt>
          <dd>{p.setup ? <code>{p.setup}</code> : <span className="muted">none</span>}</dd>
          <dt>retention</dt>
          <dd>{p.retentionHours} h after a session ends (branches are kept)</dd>
          <dt>registered</dt>
          <dd>
            <Ago at={p.createdAt} />
          </dd>
        </dl>
      </div>
      {wt.error ? <Problem error={wt.error} /> : null}
      <div className="scroll-x">
        <table className="t cards">
          <thead>
            <tr>
              <th>Session</th>
              <th>Status</th>
              <th>Branch</th>
              <th>Worktree</th>
            </tr>
          </thead>
          <tbody>
            {wt.data?.map((w) => (
              <tr key={w.sessionId}>
                <td data-label="Session">
                  <Link to={`/sessions/${w.sessionId}`}>{w.sessionId.slice(0, 8)}</Link>
                </td>
                <td data-label="Status">
                  <StatusBadge status={w.status as Status} />
                </td>
                <td data-label="Branch">
                  <code>{w.branch}</code>
                </td>
                <td data-label="Worktree" className={w.exists ? "" : "muted"}>
                  {w.exists ? <code>{w.path}</code> : "removed (branch kept)"}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {wt.data?.length === 0 && <div className="body muted">No session has worked here yet.</div>}
    </Card>
  );
}

function AddProject({
  open,
  onClose,
  onAdded,
}: {
  open: boolean;
  onClose: () => void;
  onAdded: (p: Project) => void;
}) {
  const { client, me } = useAuth();
  const qc = useQueryClient();
  const [f, setF] = useState({ name: "", path: "", baseBranch: "", setup: "" });
  const [tried, setTried] = useState(false);
  const body = {
    name: f.name.trim(),
    path: f.path.trim(),
    ...(f.baseBranch.trim() ? { baseBranch: f.baseBranch.trim() } : {}),
    ...(f.setup.trim() ? { setup: f.setup.trim() } : {}),
  };
  const parsed = CreateProject.safeParse(body);
  const add = useMutation({
    mutationFn: () => client.projects.create(body),
    onSuccess: (p) => {
      void qc.invalidateQueries({ queryKey: ["projects"] });
      setF({ name: "", path: "", baseBranch: "", setup: "" });
      setTried(false);
      onAdded(p);
      onClose();
    },
  });
  const errors = formErrors(add.error, parsed, () => tried);
  const err = errors.at;
  const close = () => {
    add.reset();
    onClose();
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      title="Register a repository"
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button variant="primary" type="submit" form="add-project" disabled={add.isPending}>
            {add.isPending ? "Registering…" : "Register"}
          </Button>
        </>
      }
    >
      <Form
        id="add-project"
        onSubmit={() => {
          setTried(true);
          if (parsed.success) add.mutate();
        }}
      >
        <Field label="Name" error={err("name")} hint="lower-case letters, digits and . _ : -">
          <input
            value={f.name}
            onChange={(e) => setF({ ...f, name: e.target.value })}
            placeholder="my-service"
          />
        </Field>
        <Field
          label="Path on the server"
          error={err("path")}
          hint={
            me.repoRoots.length
              ? `The repository's top directory. Repositories may live under ${me.repoRoots.join(", ")}.`
              : "This tenant has no repository roots, so it can register no repository: the server's operator sets them."
          }
        >
          <input
            value={f.path}
            onChange={(e) => setF({ ...f, path: e.target.value })}
            placeholder={`${me.repoRoots[0] ?? "/srv/repos"}/my-service`}
          />
        </Field>
        <Field label="Base branch" error={err("baseBranch")} hint="Empty: the branch checked out now.">
          <input value={f.baseBranch} onChange={(e) => setF({ ...f, baseBranch: e.target.value })} />
        </Field>
        <Field
          label="Setup command"
          error={err("setup")}
          hint="Run in each new worktree, e.g. npm ci (optional)."
        >
          <input value={f.setup} onChange={(e) => setF({ ...f, setup: e.target.value })} />
        </Field>
        {errors.general(["name", "path", "baseBranch", "setup"]) ? <Problem error={add.error} /> : null}
      </Form>
    </Dialog>
  );
}
