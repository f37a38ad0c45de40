import type { GroupTotals } from "@orchestrator/sdk";
import { type Measure, measures, parts, words } from "./scale.ts";

/**
 * Horizontal bars, one per project or agent, longest first as the server sorts them (by cost). Plain HTML:
 * names and values are text that wraps and reads on any screen, the bars are only their picture.
 */
export function GroupBars({
  title,
  groups,
  measure,
  none,
}: {
  title: string;
  groups: GroupTotals[];
  measure: Measure;
  none: string;
}) {
  const m = measures[measure];
  const max = Math.max(0, ...groups.map((g) => (measure === "sessions" ? g.sessions : g[measure])));
  return (
    <div className="stack" style={{ gap: 6 }}>
      <h3 className="label">{title}</h3>
      {groups.length === 0 ? (
        <span className="muted">No sessions in this window</span>
      ) : (
        <ul className="hbars" aria-label={`${m.label} ${title.toLowerCase()}`}>
          {groups.map((g) => {
            const value = measure === "sessions" ? g.sessions : g[measure];
            return (
              <li key={g.id ?? "none"} data-group={g.name ?? ""}>
                <span className={g.name ? "hbar-name" : "hbar-name muted"}>{g.name ?? none}</span>
                <span className="hbar-track" aria-hidden="true">
                  {parts(g, measure).map((p) =>
                    p.value ? (
                      <span
                        key={p.label}
                        style={{
                          width: `${(p.value / (max || 1)) * 100}%`,
                          background: `var(--tone-${p.tone})`,
                        }}
                      />
                    ) : null,
                  )}
                </span>
                <span className="hbar-value" title={words(g, measure)}>
                  {m.format(value)}
                  {measure === "sessions" && <span className="sr-only"> ({words(g, measure)})</span>}
                </span>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
