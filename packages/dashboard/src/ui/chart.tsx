/**
 * Small SVG charts, drawn here rather than with a chart library: a few hundred bytes instead of a few
 * hundred kilobytes, and they take the status tones directly.
 */
export interface Series {
  name: string;
  tone: string;
  values: number[];
}

/** Grouped bars per slot (e.g. sessions started and finished per minute). */
export function Bars({
  series,
  labels,
  height = 120,
  title,
}: {
  series: Series[];
  labels: string[];
  height?: number;
  title: string;
}) {
  const n = labels.length;
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const w = 600;
  const slot = w / Math.max(1, n);
  const bw = Math.max(1, (slot - 2) / series.length);
  const total = series.map((s) => s.values.reduce((a, b) => a + b, 0));
  return (
    <figure style={{ margin: 0 }}>
      <svg
        viewBox={`0 0 ${w} ${height}`}
        width="100%"
        height={height}
        role="img"
        aria-label={`${title}: ${series.map((s, i) => `${s.name} ${total[i]}`).join(", ")}`}
        preserveAspectRatio="none"
      >
        <line x1="0" x2={w} y1={height - 0.5} y2={height - 0.5} stroke="var(--border-strong)" />
        {series.map((s, si) =>
          s.values.map((v, i) =>
            v > 0 ? (
              <rect
                key={`${si}-${i}`}
                x={i * slot + 1 + si * bw}
                y={height - (v / max) * (height - 4)}
                width={bw}
                height={(v / max) * (height - 4)}
                fill={`var(--tone-${s.tone})`}
              >
                <title>{`${labels[i]} ${s.name}: ${v}`}</title>
              </rect>
            ) : null,
          ),
        )}
      </svg>
      <figcaption className="row" style={{ justifyContent: "space-between", fontSize: 11 }}>
        <span className="muted">{labels[0]}</span>
        <span className="row">
          {series.map((s, i) => (
            <span key={s.name} className={`tone-${s.tone}`}>
              <span className="dot" aria-hidden="true" /> {s.name} {total[i]}
            </span>
          ))}
          <span className="muted">max {max}/min</span>
        </span>
        <span className="muted">{labels[n - 1]}</span>
      </figcaption>
    </figure>
  );
}

/** A step line over time (load, latency). */
export function Line({
  values,
  height = 80,
  tone = "done",
  title,
  max: fixed,
}: {
  values: number[];
  height?: number;
  tone?: string;
  title: string;
  max?: number;
}) {
  const w = 600;
  const max = fixed ?? Math.max(1, ...values);
  // The plot keeps `pad` clear at the top and bottom, so a point at the maximum is drawn whole.
  const pad = 5;
  const y = (v: number) => (height - pad - (v / max) * (height - 2 * pad)).toFixed(1);
  const step = w / Math.max(1, values.length - 1);
  const pts = values.map((v, i) => `${(i * step).toFixed(1)},${y(v)}`);
  return (
    <svg
      viewBox={`0 0 ${w} ${height}`}
      width="100%"
      height={height}
      role="img"
      aria-label={title}
      preserveAspectRatio="none"
    >
      <line x1="0" x2={w} y1={height - 0.5} y2={height - 0.5} stroke="var(--border-strong)" />
      {values.length === 1 && (
        // One point: a square mark. A zero-length line with a non-scaling square cap keeps its 8 px
        // whatever the chart's stretch, where a circle would be drawn as a wide ellipse.
        <line
          data-point
          x1={w / 2}
          x2={w / 2}
          y1={y(values[0]!)}
          y2={y(values[0]!)}
          stroke={`var(--tone-${tone})`}
          strokeWidth="8"
          strokeLinecap="square"
          vectorEffect="non-scaling-stroke"
        />
      )}
      {values.length > 1 && (
        <polyline
          points={pts.join(" ")}
          fill="none"
          stroke={`var(--tone-${tone})`}
          strokeWidth="2"
          vectorEffect="non-scaling-stroke"
        />
      )}
    </svg>
  );
}
