import { Plan } from "@orchestrator/sdk";
import { Button } from "../../ui/button.tsx";
import { Field } from "../../ui/field.tsx";
import { label } from "../../ui/status.ts";
import { type Draft, blankTask, rename } from "./draft.ts";
import { Graph } from "./graph.tsx";

/** An issue's message for a path like `tasks.2.key`, `edges.1`, `edges` (the server's, without `body.`). */
export type At = (path: string) => string | undefined;

/**
 * The draft as editable tasks and edges, with its graph previewed as it changes. Each field shows what
 * the server said about it; a task's or an edge's other issues show on its row.
 */
export function Editor({
  d,
  set,
  at,
  under,
  cycle = [],
}: {
  d: Draft;
  set: (d: Draft) => void;
  at: At;
  under: At;
  cycle?: string[];
}) {
  const looped = new Set(cycle.slice(1).map((k, i) => `${cycle[i]}>${k}`));
  const task = (i: number, patch: Partial<Draft["tasks"][number]>) =>
    set({ ...d, tasks: d.tasks.map((t, j) => (j === i ? { ...t, ...patch } : t)) });
  const edge = (i: number, patch: Partial<Draft["edges"][number]>) =>
    set({ ...d, edges: d.edges.map((e, j) => (j === i ? { ...e, ...patch } : e)) });
  const keys = d.tasks.map((t) => t.key);

  return (
    <div className="stack" data-editor>
      <Field label="Plan title" error={at("title")}>
        <input value={d.title} onChange={(e) => set({ ...d, title: e.target.value })} />
      </Field>
      <section className="card" aria-label="Preview">
        <header>
          <h2>Preview</h2>
          <span className="muted">laid out as it will run, left to right</span>
        </header>
        <Graph
          label="Preview of the plan's graph"
          nodes={d.tasks.map((t) => ({ key: t.key, title: t.title || "(untitled)" }))}
          edges={d.edges}
        />
      </section>
      <div className="spread">
        <h2>Tasks · {d.tasks.length}</h2>
        <Button size="sm" onClick={() => set({ ...d, tasks: [...d.tasks, blankTask(d.tasks.length + 1)] })}>
          + Task
        </Button>
      </div>
      {at("tasks") && <div className="error-box">{at("tasks")}</div>}
      {d.tasks.map((t, i) => {
        const p = `tasks.${i}`;
        const row = under(p);
        return (
          <fieldset key={i} className={`draft-task${row ? " bad" : ""}`} data-task-row={i}>
            <legend className="label">
              Task {i + 1} · {t.key || "no key"}
            </legend>
            <div className="draft-row">
              <Field label="Key" error={at(`${p}.key`)}>
                <input value={t.key} onChange={(e) => set(rename(d, i, e.target.value))} />
              </Field>
              <Field label="Title" error={at(`${p}.title`)}>
                <input value={t.title} onChange={(e) => task(i, { title: e.target.value })} />
              </Field>
              <Field label="Agent" hint="pin a registered agent" error={at(`${p}.agent`)}>
                <input value={t.agent} onChange={(e) => task(i, { agent: e.target.value })} />
              </Field>
              <Field label="Profile" hint="OpenCode profile" error={at(`${p}.profile`)}>
                <input value={t.profile} onChange={(e) => task(i, { profile: e.target.value })} />
              </Field>
              <Field label="Trigger rule" error={at(`${p}.triggerRule`)}>
                <select
                  value={t.triggerRule}
                  onChange={(e) => task(i, { triggerRule: e.target.value as Plan.TriggerRule })}
                >
                  {Plan.TriggerRule.options.map((r) => (
                    <option key={r} value={r}>
                      {label(r)}
                    </option>
                  ))}
                </select>
              </Field>
            </div>
            <div className="draft-row">
              {(["optimistic", "likely", "pessimistic"] as const).map((k) => (
                <Field key={k} label={`${k} min`} error={at(`${p}.estimate.${k}`)}>
                  <input
                    inputMode="decimal"
                    value={t.estimate[k]}
                    placeholder="learnt"
                    onChange={(e) => task(i, { estimate: { ...t.estimate, [k]: e.target.value } })}
                  />
                </Field>
              ))}
              <Button
                variant="ghost"
                size="sm"
                aria-label={`Remove task ${t.key}`}
                onClick={() =>
                  set({
                    ...d,
                    tasks: d.tasks.filter((_, j) => j !== i),
                    edges: d.edges.filter((e) => e.from !== t.key && e.to !== t.key),
                  })
                }
              >
                Remove task
              </Button>
            </div>
            <Field label="Prompt" error={at(`${p}.prompt`) ?? at(`${p}.estimate`)}>
              <textarea rows={3} value={t.prompt} onChange={(e) => task(i, { prompt: e.target.value })} />
            </Field>
            {row && !at(`${p}.key`) && <span className="err tone-bad">{row}</span>}
          </fieldset>
        );
      })}
      <div className="spread">
        <h2>Edges · {d.edges.length}</h2>
        <Button
          size="sm"
          disabled={keys.length < 2}
          onClick={() =>
            set({ ...d, edges: [...d.edges, { from: keys[0]!, to: keys[1]!, type: "finish_to_start" }] })
          }
        >
          + Edge
        </Button>
      </div>
      {at("edges") && (
        <div className="error-box" role="alert" data-error="edges">
          {at("edges")}
        </div>
      )}
      {d.edges.length === 0 && <p className="muted">No edges: every task may start at once.</p>}
      {d.edges.map((e, i) => {
        const err =
          under(`edges.${i}`) ?? (looped.has(`${e.from}>${e.to}`) ? "part of the cycle" : undefined);
        return (
          <div key={i} className="draft-edge" data-edge-row={i}>
            <select
              aria-label={`Edge ${i + 1} from`}
              aria-invalid={err ? true : undefined}
              value={e.from}
              onChange={(x) => edge(i, { from: x.target.value })}
            >
              {[...new Set([...keys, e.from])].map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
            <span aria-hidden="true">→</span>
            <select
              aria-label={`Edge ${i + 1} to`}
              aria-invalid={err ? true : undefined}
              value={e.to}
              onChange={(x) => edge(i, { to: x.target.value })}
            >
              {[...new Set([...keys, e.to])].map((k) => (
                <option key={k}>{k}</option>
              ))}
            </select>
            <select
              aria-label={`Edge ${i + 1} type`}
              value={e.type}
              onChange={(x) => edge(i, { type: x.target.value as Plan.EdgeType })}
            >
              {Plan.EdgeType.options.map((t) => (
                <option key={t} value={t}>
                  {label(t)}
                </option>
              ))}
            </select>
            <Button
              size="sm"
              variant="ghost"
              aria-label={`Remove edge ${e.from} → ${e.to}`}
              onClick={() => set({ ...d, edges: d.edges.filter((_, j) => j !== i) })}
            >
              ✕
            </Button>
            {err && <span className="err">{err}</span>}
          </div>
        );
      })}
    </div>
  );
}
