import { useId } from "react";
import { Value } from "./tree.tsx";
import { type Pick, inline, parseValue, where } from "./words.ts";

/**
 * One conflict of a merge: its path, what the target has and what the source has, side by side (one
 * above the other on a phone), and the person's choice: keep the target's, take the source's, or write
 * a JSON value of their own (checked as they type).
 */
export function Choice({
  mergeId,
  c,
  pick,
  onPick,
  target,
  source,
}: {
  mergeId: string;
  c: { path: string; target?: unknown; source?: unknown };
  pick: Pick | undefined;
  onPick: (p: Pick) => void;
  target: string;
  source: string;
}) {
  const id = useId();
  const group = `${mergeId}:${c.path}`;
  const own = pick?.take === "value" ? parseValue(pick.text) : null;
  const radio = (take: Pick["take"], words: string) => (
    <label className="choice">
      <input
        type="radio"
        name={group}
        checked={pick?.take === take}
        onChange={() =>
          onPick(
            take === "value"
              ? // Start from the target's value: editing one is easier than writing one.
                { take, text: c.target === undefined ? "" : JSON.stringify(c.target, null, 2) }
              : { take },
          )
        }
      />
      <span>{words}</span>
    </label>
  );
  return (
    <fieldset className="plain-set ctx-conflict" data-conflict={c.path}>
      <legend>
        <code>{where(c.path)}</code>
      </legend>
      <div className="ctx-sides">
        <div data-side="target">
          <div className="label">Target: {target}</div>
          <Value v={c.target} />
        </div>
        <div data-side="source">
          <div className="label">Source: {source}</div>
          <Value v={c.source} />
        </div>
      </div>
      <div className="ctx-radios" role="radiogroup" aria-label={`Choice for ${where(c.path)}`}>
        {radio("target", "Keep the target's")}
        {radio("source", "Take the source's")}
        {radio("value", "My own JSON value")}
      </div>
      {pick?.take === "value" && (
        <div className="field">
          <label className="label" htmlFor={id}>
            Value for {where(c.path)} (JSON)
          </label>
          <textarea
            id={id}
            rows={Math.min(8, Math.max(2, pick.text.split("\n").length))}
            value={pick.text}
            spellCheck={false}
            aria-invalid={own && !own.ok ? true : undefined}
            aria-describedby={`${id}-note`}
            onChange={(e) => onPick({ take: "value", text: e.target.value })}
          />
          <span className={own && !own.ok ? "err" : "hint"} id={`${id}-note`}>
            {own && !own.ok
              ? own.error
              : `the target gets ${inline(own?.ok ? own.value : undefined).slice(0, 80)}`}
          </span>
        </div>
      )}
    </fieldset>
  );
}
