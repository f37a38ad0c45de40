import type { Stats } from "@orchestrator/sdk";
import { Card } from "../../ui/card.tsx";
import { compact, dollars } from "../../ui/number.ts";
import { span } from "../../ui/time.tsx";
import { DayChart } from "./days.tsx";
import { GroupBars } from "./groups.tsx";
import { type Measure, dayLabel, measures } from "./scale.ts";

export const windows = [7, 14, 30, 90];

/** Totals over the window: the days as a chart (and a table), the projects and agents as bars. */
export function Totals({
  stats,
  days,
  measure,
  set,
}: {
  stats: Stats;
  days: number;
  measure: Measure;
  set: (patch: { days?: number; measure?: Measure }) => void;
}) {
  const controls = (
    <div className="row">
      <select
        aria-label="Window"
        style={{ width: "auto" }}
        value={days}
        onChange={(e) => set({ days: Number(e.target.value) })}
      >
        {windows.map((d) => (
          <option key={d} value={d}>
            last {d} days
          </option>
        ))}
      </select>
      <select
        aria-label="Measure"
        style={{ width: "auto" }}
        value={measure}
        onChange={(e) => set({ measure: e.target.value as Measure })}
      >
        {Object.entries(measures).map(([k, v]) => (
          <option key={k} value={k}>
            {v.label}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <Card
      title={`${measures[measure].label} per day · created in the last ${days} days`}
      id="totals"
      action={controls}
    >
      <div className="stack">
        <DayChart days={stats.days} measure={measure} />
        <div className="halves">
          <GroupBars title="Per project" groups={stats.projects} measure={measure} none="no project" />
          <GroupBars title="Per agent" groups={stats.agents} measure={measure} none="not claimed yet" />
        </div>
        <details>
          <summary>Every day as a table</summary>
          <div className="scroll-x">
            <table className="t" aria-label="Totals per day">
              <thead>
                <tr>
                  {[
                    "Day (UTC)",
                    "Sessions",
                    "Completed",
                    "Failed",
                    "Cancelled",
                    "Active",
                    "Tokens",
                    "Cost",
                    "Run time",
                  ].map((h, i) => (
                    <th key={h} className={i ? "num" : undefined} scope="col">
                      {h}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {stats.days.map((d) => (
                  <tr key={d.day}>
                    <th scope="row" className="muted" style={{ textTransform: "none", borderBottomWidth: 1 }}>
                      <time dateTime={d.day}>{dayLabel(d)}</time>
                    </th>
                    {[d.sessions, d.completed, d.failed, d.cancelled, d.active].map((v, i) => (
                      <td key={i} className="num">
                        {v}
                      </td>
                    ))}
                    <td className="num" title={String(d.tokens)}>
                      {compact(d.tokens)}
                    </td>
                    <td className="num">{dollars(d.cost)}</td>
                    <td className="num">{span(d.durationSec * 1000)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </div>
    </Card>
  );
}
