import type { Session } from "@orchestrator/sdk";
import { Card } from "../../ui/card.tsx";
import { span, useNow } from "../../ui/time.tsx";

/** Duration ticks while the session runs; tokens and cost are the session's settled totals. */
export function Metrics({ s, events }: { s: Session; events: number }) {
  const now = useNow();
  const started = s.startedAt ? Date.parse(s.startedAt) : null;
  const end = s.endedAt ? Date.parse(s.endedAt) : now;
  const tokens = s.usage.input + s.usage.output + s.usage.reasoning;
  const cells: [string, string, string?][] = [
    [
      "Duration",
      started ? span(end - started) : "—",
      s.deadline ? `limit ${span(s.maxDurationSec * 1000)}` : undefined,
    ],
    [
      "Tokens",
      tokens.toLocaleString(),
      `${s.usage.input.toLocaleString()} in · ${s.usage.output.toLocaleString()} out`,
    ],
    ["Cost", `$${s.usage.cost.toFixed(4)}`, "as the provider prices it"],
    ["Events", events.toLocaleString(), `last seq ${s.lastSeq}`],
  ];
  return (
    <Card title="Metrics" id="metrics" pad={false}>
      <div className="stats" style={{ border: 0, gridTemplateColumns: "repeat(2, minmax(0, 1fr))" }}>
        {cells.map(([k, v, sub]) => (
          <div className="stat" key={k} data-metric={k.toLowerCase()}>
            <span className="label">{k}</span>
            <b style={{ fontSize: 20 }}>{v}</b>
            {sub && (
              <span className="muted" style={{ fontSize: 11 }}>
                {sub}
              </span>
            )}
          </div>
        ))}
      </div>
    </Card>
  );
}
