import { useMemo } from "react";
import { type Change, change } from "./edit.ts";

const mark = { add: "+", del: "-", context: " ", skip: "⋯" } as const;

/** The change a tool call's input describes (edit.ts), or null when it is not a file edit. */
export function useChange(tool: string, input: unknown): Change | null {
  return useMemo(() => change(tool, input), [tool, input]);
}

/**
 * A file edit inline in the timeline: the file, what it adds and removes, and the lines, each marked with
 * `+` or `-` as well as coloured (a marker reads without colour, and copies as a patch would).
 */
export function EditDiff({ c }: { c: Change }) {
  return (
    <div className="tl-edit" data-edit={c.file}>
      <div className="row" style={{ gap: 8 }}>
        <code>{c.file}</code>
        <span className="tone-run">+{c.added}</span>
        <span className="tone-bad">−{c.removed}</span>
        {c.mode === "write" && <span className="muted">the whole file as written</span>}
      </div>
      <div className="tl-edit-body">
        {c.hunks.map((h, i) => (
          <table
            className="code-t"
            key={i}
            aria-label={`${c.file}, change ${i + 1} of ${c.hunks.length}: + added, - removed`}
          >
            <tbody>
              {h.map((l, k) => (
                <tr key={k} className={l.kind === "skip" ? "hunk" : `ln-${l.kind}`} data-line={l.kind}>
                  <td className="src">
                    <span className="mk" aria-hidden={l.kind === "context" || l.kind === "skip" || undefined}>
                      {mark[l.kind]}
                    </span>
                    {l.text}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </div>
    </div>
  );
}
