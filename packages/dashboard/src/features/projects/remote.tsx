import type { Project, RemoteInput } from "@orchestrator/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Card } from "../../ui/card.tsx";
import { Field } from "../../ui/field.tsx";
import { Form } from "../../ui/form.tsx";
import { Problem, issueFor } from "../../ui/problem.tsx";

const empty = { url: "", token: "", forge: "", api: "" };

/**
 * A project's remote: where `Push branch` and `Open pull request` go (docs/landing.md). The token is a
 * password field that is never filled back in: the server keeps it and only says whether one is set.
 */
export function Remote({ p }: { p: Project }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const [f, setF] = useState(empty);
  const [editing, setEditing] = useState(false);
  const done = (saved: Project) => {
    qc.setQueryData(["project", saved.id], saved);
    void qc.invalidateQueries({ queryKey: ["projects"] });
    setF(empty);
    setEditing(false);
  };
  const save = useMutation({
    mutationFn: () => {
      const remote: RemoteInput = {
        url: f.url.trim(),
        ...(f.token ? { token: f.token } : {}),
        ...(f.forge ? { forge: f.forge as RemoteInput["forge"] } : {}),
        ...(f.api.trim() ? { api: f.api.trim() } : {}),
      };
      return client.projects.update(p.name, { remote });
    },
    onSuccess: done,
  });
  const remove = useMutation({
    mutationFn: () => client.projects.update(p.name, { remote: null }),
    onSuccess: done,
  });
  const r = p.remote;
  const edit = () => {
    setF({ url: r?.url ?? "", token: "", forge: r?.forge ?? "", api: r?.api ?? "" });
    setEditing(true);
  };
  const at = (k: string) => issueFor(save.error, `remote.${k}`);
  return (
    <Card title="Remote" id="remote">
      <div className="stack" data-remote>
        {r ? (
          <div>
            <code>{r.url}</code>
            <div className="muted">
              {r.forge
                ? `Pull requests on ${r.forge === "github" ? "GitHub" : "GitLab"} (${r.repo})`
                : "Push only"}
              {" · "}
              {r.token ? "token set" : "no token"}
            </div>
          </div>
        ) : (
          <div className="muted">No remote: sessions' branches can be merged here but not pushed.</div>
        )}
        {editing ? (
          <Form id="remote-form" onSubmit={() => save.mutate()}>
            <Field label="Remote URL" error={at("url")} hint="https only, without credentials in it.">
              <input
                value={f.url}
                onChange={(e) => setF({ ...f, url: e.target.value })}
                placeholder="https://github.com/acme/app.git"
              />
            </Field>
            <Field
              label="Token"
              error={at("token")}
              hint={
                r?.token
                  ? "Empty: keep the one set (only while the hosts stay the same)."
                  : "May push and open PRs."
              }
            >
              <input
                type="password"
                autoComplete="off"
                value={f.token}
                onChange={(e) => setF({ ...f, token: e.target.value })}
              />
            </Field>
            <Field label="Forge" error={at("forge")} hint="Where pull requests go; automatic from the host.">
              <select value={f.forge} onChange={(e) => setF({ ...f, forge: e.target.value })}>
                <option value="">Automatic</option>
                <option value="github">GitHub</option>
                <option value="gitlab">GitLab</option>
              </select>
            </Field>
            <Field
              label="API root"
              error={at("api")}
              hint="Empty: api.github.com, or <host>/api/v4 for GitLab."
            >
              <input value={f.api} onChange={(e) => setF({ ...f, api: e.target.value })} />
            </Field>
            {save.error && !["url", "token", "forge", "api"].some(at) ? <Problem error={save.error} /> : null}
            <div className="row">
              <Button variant="primary" type="submit" disabled={save.isPending}>
                {save.isPending ? "Saving…" : "Save remote"}
              </Button>
              <Button onClick={() => (setEditing(false), save.reset())}>Cancel</Button>
            </div>
          </Form>
        ) : (
          <div className="row">
            <Button onClick={edit}>{r ? "Change remote" : "Set a remote"}</Button>
            {r ? (
              <Button variant="danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
                Remove remote
              </Button>
            ) : null}
          </div>
        )}
        {remove.error ? <Problem error={remove.error} /> : null}
      </div>
    </Card>
  );
}
