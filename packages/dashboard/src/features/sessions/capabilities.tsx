import { type Agent, Capability, known } from "@orchestrator/sdk";
import { type KeyboardEvent, useId, useState } from "react";
import { Button } from "../../ui/button.tsx";

/** The capabilities this tenant's agents advertise, each with the agents that have it (usable ones first). */
export function advertised(agents: Agent[]): { cap: string; agents: Agent[] }[] {
  const by = new Map<string, Agent[]>();
  for (const a of agents) for (const c of a.capabilities) by.set(c, [...(by.get(c) ?? []), a]);
  return [...by]
    .map(([cap, list]) => ({ cap, agents: list.sort((a, b) => Number(usable(b)) - Number(usable(a))) }))
    .sort((a, b) => a.cap.localeCompare(b.cap));
}

const usable = (a: Agent) => a.status === "online" || a.status === "degraded";

/**
 * What a session asks of its agent: the capabilities registered agents advertise (an SDK agent's own
 * `x-…` ones among them), or any other typed in, checked with the schema the server checks with. It says
 * which agents would take the session, so a set no agent has is seen before the session waits for one.
 */
export function CapabilityPicker({
  value,
  onChange,
  agents,
  error,
}: {
  value: string[];
  onChange: (caps: string[]) => void;
  agents: Agent[] | undefined;
  /** The server's (or the form's) word about the field. */
  error?: string;
}) {
  const id = useId();
  const [text, setText] = useState("");
  const [bad, setBad] = useState<string>();
  const offered = advertised(agents ?? []);
  const others = value.filter((c) => !offered.some((o) => o.cap === c));
  const toggle = (c: string) => onChange(value.includes(c) ? value.filter((x) => x !== c) : [...value, c]);
  const add = () => {
    const c = text.trim();
    if (!c) return;
    const checked = Capability.safeParse(c);
    if (!checked.success) return setBad(checked.error.issues[0]?.message);
    if (!value.includes(c)) onChange([...value, c]);
    setText("");
    setBad(undefined);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== "Enter") return;
    e.preventDefault(); // adds the word; it does not submit the dialog
    add();
  };
  const fit = (agents ?? []).filter((a) => value.every((c) => a.capabilities.includes(c)));
  // Routing gives work only to agents that take it now; the others are named apart, not as destinations.
  const takers = fit.filter((a) => a.status === "online" || a.status === "degraded");
  const idle = fit.filter((a) => !takers.includes(a)).map((a) => `${a.name} (${a.status})`);
  const note = bad ?? error;
  return (
    <fieldset className="field plain-set" aria-describedby={`${id}-fit`}>
      <legend className="label">Capabilities</legend>
      {offered.length > 0 ? (
        <div
          className="chips"
          role="group"
          aria-label="Advertised by your agents"
          aria-describedby={`${id}-by`}
        >
          {offered.map((o) => (
            <button
              key={o.cap}
              type="button"
              className="chip plain"
              aria-pressed={value.includes(o.cap)}
              title={`${o.cap}: ${o.agents.map((a) => `${a.name} (${a.status})`).join(", ")}`}
              onClick={() => toggle(o.cap)}
              data-capability={o.cap}
            >
              {o.cap}
              <span className="muted"> · {o.agents.length}</span>
            </button>
          ))}
        </div>
      ) : (
        <span className="hint">No agent advertises a capability yet: type one.</span>
      )}
      {offered.length > 0 && (
        <span className="hint" id={`${id}-by`}>
          What your agents advertise, and how many have each. Pick every one the agent must have.
        </span>
      )}
      {others.length > 0 && (
        <div className="chips" role="group" aria-label="Also asked for">
          {others.map((c) => (
            <button
              key={c}
              type="button"
              className="chip plain"
              aria-pressed
              aria-label={`Remove ${c}`}
              onClick={() => toggle(c)}
            >
              {c} ×
            </button>
          ))}
        </div>
      )}
      <div className="row nowrap">
        <input
          list={`${id}-words`}
          aria-label="Another capability"
          placeholder="another, e.g. x-python"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setBad(undefined);
          }}
          onKeyDown={onKey}
          aria-invalid={note ? true : undefined}
          aria-describedby={note ? `${id}-err` : undefined}
        />
        <Button onClick={add} disabled={!text.trim()}>
          Add
        </Button>
      </div>
      <datalist id={`${id}-words`}>
        {[...known].sort().map((c) => (
          <option key={c} value={c} />
        ))}
      </datalist>
      {note && (
        <span className="err" id={`${id}-err`}>
          {note}
        </span>
      )}
      <span className="hint" id={`${id}-fit`} data-fit={takers.length}>
        {value.length === 0
          ? "The session goes to an agent that has every capability picked."
          : takers.length === 0
            ? idle.length
              ? `Only ${idle.join(", ")} ${idle.length === 1 ? "has" : "have"} all of these: the session waits in the queue until one takes work.`
              : "No registered agent has all of these: the session waits in the queue until one does."
            : `Goes to ${takers.length === 1 ? "" : "one of "}${takers.map((a) => a.name).join(", ")}.` +
              (idle.length ? ` Also able, but not taking work now: ${idle.join(", ")}.` : "")}
      </span>
    </fieldset>
  );
}
