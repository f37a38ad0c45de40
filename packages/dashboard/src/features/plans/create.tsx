import { Plan } from "@orchestrator/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Dialog } from "../../ui/dialog.tsx";
import { Field } from "../../ui/field.tsx";
import { Problem, fieldIssues } from "../../ui/problem.tsx";
import { label } from "../../ui/status.ts";
import { usePlans } from "./api.ts";
import { type Draft, fromInput, parsePasted, toCreate } from "./draft.ts";
import { Editor } from "./editor.tsx";
import { minutes } from "./status.ts";

const example = `title: Diamond
tasks:
  - { key: schema, title: Schema, prompt: "Design the schema" }
  - { key: api, title: API, prompt: "Build the API" }
  - { key: ui, title: UI, prompt: "Build the UI" }
  - { key: ship, title: Ship, prompt: "Wire it together" }
edges:
  - { from: schema, to: api }
  - { from: schema, to: ui }
  - { from: api, to: ship }
  - { from: ui, to: ship }`;

/**
 * New plan: describe a goal (the server decomposes it and says why) or paste a graph (JSON or YAML);
 * either way the draft is previewed and edited here before it is created, as a draft or started.
 */
export function CreatePlan({
  open,
  onClose,
  onCreated,
}: {
  open: boolean;
  onClose: () => void;
  onCreated: (id: string) => void;
}) {
  const { client } = useAuth();
  const api = usePlans();
  const qc = useQueryClient();
  const [tab, setTab] = useState<"goal" | "paste" | "ask">("goal");
  const [ask, setAsk] = useState({ title: "", goal: "", profile: "", agent: "", start: false });
  const profiles = useQuery({ queryKey: ["profiles"], queryFn: () => client.profiles.list(), enabled: open });
  const [goal, setGoal] = useState({ title: "", goal: "", template: "" });
  const [pasted, setPasted] = useState("");
  const [pasteError, setPasteError] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [analysis, setAnalysis] = useState<Plan.Decomposition["analysis"] | null>(null);
  const [project, setProject] = useState("");
  const projects = useQuery({ queryKey: ["projects"], queryFn: () => client.projects.list(), enabled: open });

  const decompose = useMutation({
    mutationFn: () =>
      api.decompose({
        title: goal.title,
        goal: goal.goal,
        ...(goal.template ? { template: goal.template as Plan.DecomposeRequest["template"] } : {}),
      }),
    onSuccess: (r) => {
      setAnalysis(r.analysis);
      setDraft(fromInput(r.draft));
      create.reset();
    },
  });
  // An agent plans it: the plan page shows the draft filling in when the answer comes back.
  const planner = useMutation({
    mutationFn: () =>
      api.planner({
        title: ask.title,
        goal: ask.goal,
        ...(ask.agent.trim() ? { agent: ask.agent.trim() } : ask.profile ? { profile: ask.profile } : {}),
        ...(project ? { project } : {}),
        start: ask.start,
      }),
    onSuccess: (p) => {
      void qc.invalidateQueries({ queryKey: ["plans"] });
      close();
      onCreated(p.id);
    },
  });
  const create = useMutation({
    mutationFn: (start: boolean) => api.create(toCreate(draft!, { project: project || undefined, start })),
    onSuccess: (p) => {
      void qc.invalidateQueries({ queryKey: ["plans"] });
      close();
      onCreated(p.id);
    },
  });

  const close = () => {
    setDraft(null);
    setAnalysis(null);
    setPasteError(null);
    decompose.reset();
    create.reset();
    planner.reset();
    onClose();
  };
  const edit = (d: Draft) => {
    setDraft(d);
    if (create.error) create.reset();
  };
  const preview = async () => {
    try {
      setPasteError(null);
      setAnalysis(null);
      setDraft(await parsePasted(pasted));
      create.reset();
    } catch (err) {
      setDraft(null);
      setPasteError((err as Error).message);
    }
  };

  // The server's issues by path without `body.`: `at` is a field's own, `under` anything inside a row.
  const issues = fieldIssues(create.error).map((i) => ({ ...i, path: i.path.replace(/^body\./, "") }));
  const at = (p: string) => issues.find((i) => i.path === p)?.message;
  const under = (p: string) => issues.find((i) => i.path === p || i.path.startsWith(`${p}.`))?.message;
  const placed = (p: string) =>
    p === "title" || p === "project" || p === "edges" || p === "tasks" || /^(tasks|edges)\.\d+/.test(p);
  const elsewhere = issues.filter((i) => !placed(i.path));
  // A cycle's issue names its tasks in order: its edges are marked in the editor.
  const cycle = (issues as { cycle?: string[] }[]).find((i) => Array.isArray(i.cycle))?.cycle ?? [];

  return (
    <Dialog
      open={open}
      onClose={close}
      title="New plan"
      footer={
        draft && (
          <>
            <Button onClick={close}>Cancel</Button>
            <Button disabled={create.isPending} onClick={() => create.mutate(false)}>
              Create draft
            </Button>
            <Button variant="primary" disabled={create.isPending} onClick={() => create.mutate(true)}>
              {create.isPending ? "Creating…" : "Create and start"}
            </Button>
          </>
        )
      }
    >
      <div className="tabs plan-create" role="tablist" aria-label="How to make the plan">
        {(
          [
            ["goal", "Describe a goal"],
            ["paste", "Paste a graph"],
            ["ask", "Ask an agent"],
          ] as const
        ).map(([k, l]) => (
          <button
            key={k}
            role="tab"
            id={`tab-${k}`}
            aria-selected={tab === k}
            aria-controls={`panel-${k}`}
            onClick={() => setTab(k)}
          >
            {l}
          </button>
        ))}
      </div>
      {tab === "goal" ? (
        <div role="tabpanel" id="panel-goal" aria-labelledby="tab-goal" className="stack">
          <Field label="Title" error={issueAt(decompose.error, "body.title")}>
            <input value={goal.title} onChange={(e) => setGoal({ ...goal, title: e.target.value })} />
          </Field>
          <Field label="Goal" hint="what done looks like; the words choose the templates and rules">
            <textarea
              rows={4}
              value={goal.goal}
              onChange={(e) => setGoal({ ...goal, goal: e.target.value })}
            />
          </Field>
          <Field label="Template">
            <select value={goal.template} onChange={(e) => setGoal({ ...goal, template: e.target.value })}>
              <option value="">chosen by the goal's words</option>
              {Plan.decompositionNames.map((n) => (
                <option key={n} value={n}>
                  {label(n)}
                </option>
              ))}
            </select>
          </Field>
          <div className="row">
            <Button disabled={decompose.isPending} onClick={() => decompose.mutate()}>
              {decompose.isPending
                ? "Decomposing…"
                : draft && !analysis
                  ? "Decompose (replaces the draft)"
                  : "Decompose"}
            </Button>
          </div>
          {decompose.error ? <Problem error={decompose.error} /> : null}
          {analysis && <Analysis a={analysis} />}
        </div>
      ) : tab === "ask" ? (
        <div role="tabpanel" id="panel-ask" aria-labelledby="tab-ask" className="stack">
          <p className="muted">
            A planning session answers with the graph; an invalid answer is sent back once with its errors.
          </p>
          <Field label="Title" error={issueAt(planner.error, "body.title")}>
            <input value={ask.title} onChange={(e) => setAsk({ ...ask, title: e.target.value })} />
          </Field>
          <Field label="Goal" error={issueAt(planner.error, "body.goal")}>
            <textarea rows={4} value={ask.goal} onChange={(e) => setAsk({ ...ask, goal: e.target.value })} />
          </Field>
          <Field label="Planned by" hint="an OpenCode profile (its model), or a registered agent by name">
            <select value={ask.profile} onChange={(e) => setAsk({ ...ask, profile: e.target.value })}>
              <option value="">the default profile</option>
              {profiles.data?.items.map((p) => (
                <option key={p.name} value={p.name}>
                  {p.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label="Agent (instead of a profile)" error={issueAt(planner.error, "body.agent")}>
            <input value={ask.agent} onChange={(e) => setAsk({ ...ask, agent: e.target.value })} />
          </Field>
          <Field label="Project" hint="its repository: the planner reads it, the plan works on it">
            <ProjectSelect
              value={project}
              set={setProject}
              names={projects.data?.map((p) => p.name)}
              none="none"
            />
          </Field>
          <label className="row">
            <input
              type="checkbox"
              checked={ask.start}
              onChange={(e) => setAsk({ ...ask, start: e.target.checked })}
            />
            Start it as soon as a valid graph comes back
          </label>
          <div className="row">
            <Button
              variant="primary"
              disabled={planner.isPending || !ask.title.trim() || !ask.goal.trim()}
              onClick={() => planner.mutate()}
            >
              {planner.isPending ? "Asking…" : "Ask"}
            </Button>
          </div>
          {planner.error ? <Problem error={planner.error} /> : null}
        </div>
      ) : (
        <div role="tabpanel" id="panel-paste" aria-labelledby="tab-paste" className="stack">
          <Field
            label="Graph (JSON or YAML)"
            error={pasteError ?? undefined}
            hint="title, tasks [{key, title, prompt…}], edges [{from, to}]"
          >
            <textarea
              className="paste"
              value={pasted}
              placeholder={example}
              spellCheck={false}
              onChange={(e) => setPasted(e.target.value)}
            />
          </Field>
          <div className="row">
            <Button disabled={!pasted.trim()} onClick={() => void preview()}>
              Preview
            </Button>
            <Button variant="ghost" size="sm" onClick={() => setPasted(example)}>
              Use the example
            </Button>
          </div>
        </div>
      )}
      {draft && (
        <>
          <Editor d={draft} set={edit} at={at} under={under} cycle={cycle} />
          <PolicyFields d={draft} set={edit} under={under} />
          <Field label="Project" hint="its repository gets the integration branch" error={at("project")}>
            <ProjectSelect
              value={project}
              set={setProject}
              names={projects.data?.map((p) => p.name)}
              none="none (tasks run without a repository)"
            />
          </Field>
          {create.error && (elsewhere.length || !issues.length) ? (
            <Problem error={create.error} />
          ) : create.error ? (
            <div className="error-box" role="alert">
              <b>Not created.</b> The fields marked above say why.
            </div>
          ) : null}
        </>
      )}
    </Dialog>
  );
}

function Analysis({ a }: { a: Plan.Decomposition["analysis"] }) {
  return (
    <div className="note stack" data-analysis>
      <dl className="kv">
        <dt>Band</dt>
        <dd data-band={a.band}>
          {a.band} · score {a.score.toFixed(2)} · about {minutes(a.expected)}
        </dd>
        {a.capabilities.length > 0 && (
          <>
            <dt>Needs</dt>
            <dd>{a.capabilities.join(", ")}</dd>
          </>
        )}
        {a.dropped > 0 && (
          <>
            <dt>Left out</dt>
            <dd>{a.dropped} tasks beyond the limit</dd>
          </>
        )}
      </dl>
      <div>
        <div className="label">Matched</div>
        <ul className="feed">
          {a.matched.map((m) => (
            <li key={`${m.kind}:${m.name}`} data-matched={m.name}>
              <span className="badge">{m.kind}</span>
              <b>{label(m.name)}</b>
              <span className="muted grow">
                by {m.by}
                {m.why.length ? `: ${m.why.join("; ")}` : ""}
              </span>
            </li>
          ))}
        </ul>
      </div>
    </div>
  );
}

/** The draft's policy (kept in `rest`, so a pasted graph's stays as it came until changed here). */
function PolicyFields({
  d,
  set,
  under,
}: {
  d: Draft;
  set: (d: Draft) => void;
  under: (p: string) => string | undefined;
}) {
  // A pasted policy the schema refuses shows the defaults; the server names what was wrong with it.
  const read = Plan.Policy.safeParse(d.rest.policy ?? {});
  const policy = read.success ? read.data : Plan.Policy.parse({});
  const change = (patch: Partial<Plan.Policy>) =>
    set({ ...d, rest: { ...d.rest, policy: { ...policy, ...patch } } });
  return (
    <fieldset className="draft-task" data-policy-fields>
      <legend className="label">Policy</legend>
      <div className="draft-row">
        <Field label="Tasks at once" error={under("policy.maxParallel")}>
          <input
            type="number"
            min={1}
            max={200}
            value={policy.maxParallel}
            onChange={(e) => change({ maxParallel: Number(e.target.value) })}
          />
        </Field>
        <Field label="When a task's merge conflicts" error={under("policy.onConflict")}>
          <select
            value={policy.onConflict}
            onChange={(e) => change({ onConflict: e.target.value as Plan.Policy["onConflict"] })}
          >
            <option value="attention">wait for a person (attention queue)</option>
            <option value="resolve">run it again from the integration branch to merge its work</option>
          </select>
        </Field>
      </div>
      <label className="row">
        <input
          type="checkbox"
          checked={policy.failFast}
          onChange={(e) => change({ failFast: e.target.checked })}
        />
        Fail fast: after a failure start nothing new (running tasks finish)
      </label>
    </fieldset>
  );
}

/** The message of the server's issue at `path` (a 422 names its fields), if any. */
const issueAt = (err: unknown, path: string) => fieldIssues(err).find((i) => i.path === path)?.message;

/** The tenant's projects to choose from, or none. */
function ProjectSelect(props: { value: string; set: (v: string) => void; names?: string[]; none: string }) {
  return (
    <select value={props.value} onChange={(e) => props.set(e.target.value)}>
      <option value="">{props.none}</option>
      {props.names?.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </select>
  );
}
