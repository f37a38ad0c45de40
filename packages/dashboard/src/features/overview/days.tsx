import type { DayTotals } from "@orchestrator/sdk";
import { type KeyboardEvent, type RefObject, useEffect, useRef, useState } from "react";
import { type Measure, dayLabel, labelled, measures, parts, ticks, words } from "./scale.ts";

/** The width of an element in CSS pixels, kept up to date: the chart draws at its real size, so text in
 * it stays 11 px on a phone instead of shrinking with a scaled viewBox. */
function useWidth(ref: RefObject<HTMLElement | null>, initial = 600): number {
  const [width, setWidth] = useState(initial);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([e]) => e && setWidth(Math.round(e.contentRect.width)));
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return width;
}

const height = 220;
const pad = { top: 12, right: 12, bottom: 44 };
const charPx = 7; // an 11 px monospace character is about 6.6 px wide

/**
 * Bars per UTC day with a value axis (ticks, grid lines, its unit), a day axis (thinned labels, today always
 * labelled) and a legend. Pointing at a day, or focusing the chart and moving with ← →, shows that day's
 * numbers; a screen reader hears them from a live region. The same numbers are in a table beside it.
 */
export function DayChart({ days, measure }: { days: DayTotals[]; measure: Measure }) {
  const box = useRef<HTMLDivElement>(null);
  const width = useWidth(box);
  const [active, setActive] = useState<number | null>(null);
  const m = measures[measure];
  const n = days.length;
  const stacks = days.map((d) => parts(d, measure));
  const tk = ticks(Math.max(0, ...stacks.map((p) => p.reduce((a, b) => a + b.value, 0))), measure);
  const top = tk.at(-1)!;
  const left = 22 + charPx * Math.max(...tk.map((t) => m.tick(t).length));
  const pw = Math.max(10, width - left - pad.right);
  const ph = height - pad.top - pad.bottom;
  const slot = pw / n;
  const bar = Math.max(1, Math.min(40, slot * 0.7));
  const y = (v: number) => pad.top + ph - (v / top) * ph;
  const show = labelled(n, pw, charPx * 7);
  const legend = stacks[0] ?? [];

  const pick = (clientX: number) => {
    const r = box.current?.getBoundingClientRect();
    if (!r) return;
    const i = Math.floor((clientX - r.left - left) / slot);
    setActive(i >= 0 && i < n ? i : null);
  };
  const keys = (e: KeyboardEvent) => {
    const at = active ?? n - 1;
    const next = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: n - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    setActive(Math.min(n - 1, Math.max(0, next)));
  };
  const said = active === null ? "" : `${dayLabel(days[active]!)}: ${words(days[active]!, measure)}`;

  return (
    <figure className="day-chart" style={{ margin: 0 }}>
      <div
        ref={box}
        className="chart-box"
        onMouseMove={(e) => pick(e.clientX)}
        onMouseLeave={() => setActive(null)}
      >
        <svg
          width={width}
          height={height}
          role="img"
          tabIndex={0}
          aria-label={`${m.label} per day, ${dayLabel(days[0]!)} to ${dayLabel(days[n - 1]!)}. Use the left and right arrow keys to read each day; the table below has every number.`}
          onKeyDown={keys}
          onFocus={() => setActive((a) => a ?? n - 1)}
          onBlur={() => setActive(null)}
        >
          {tk.map((t) => (
            <g key={t}>
              <line
                x1={left}
                x2={left + pw}
                y1={y(t)}
                y2={y(t)}
                stroke={t ? "var(--border)" : "var(--border-strong)"}
              />
              <text x={left - 6} y={y(t)} dy="0.35em" textAnchor="end" className="tick">
                {m.tick(t)}
              </text>
            </g>
          ))}
          <text
            className="axis-title"
            transform={`translate(11 ${pad.top + ph / 2}) rotate(-90)`}
            textAnchor="middle"
          >
            {m.axis}
          </text>
          {active !== null && (
            <rect x={left + active * slot} y={pad.top} width={slot} height={ph} fill="var(--muted)" />
          )}
          {stacks.map((p, i) => {
            let base = 0;
            const x = left + i * slot + (slot - bar) / 2;
            return (
              <g key={days[i]!.day} data-day={days[i]!.day}>
                {p.map((part) => {
                  if (!part.value) return null;
                  const y0 = y(base);
                  base += part.value;
                  return (
                    <rect
                      key={part.label}
                      x={x}
                      y={y(base)}
                      width={bar}
                      height={y0 - y(base)}
                      fill={`var(--tone-${part.tone})`}
                    />
                  );
                })}
                {show(i) && (
                  <text
                    x={left + (i + 0.5) * slot}
                    y={pad.top + ph + 16}
                    textAnchor="middle"
                    className="tick"
                  >
                    {dayLabel(days[i]!)}
                  </text>
                )}
              </g>
            );
          })}
          <text className="axis-title" x={left + pw / 2} y={height - 6} textAnchor="middle">
            day (UTC)
          </text>
        </svg>
        {active !== null && (
          <div
            className="chart-tip"
            aria-hidden="true"
            style={{ left: Math.min(Math.max(0, left + active * slot - 60), Math.max(0, width - 200)) }}
          >
            <b>{dayLabel(days[active]!)}</b>
            {stacks[active]!.map((part) => (
              <div key={part.label} className={`tone-${part.tone}`}>
                <span className="dot" /> {part.label} {m.format(part.value)}
              </div>
            ))}
          </div>
        )}
      </div>
      <div className="sr-only" aria-live="polite">
        {said}
      </div>
      <figcaption className="row chart-legend">
        {legend.map((part) => (
          <span key={part.label} className={`tone-${part.tone}`}>
            <span className="dot" aria-hidden="true" /> {part.label}{" "}
            {m.format(stacks.reduce((a, p) => a + (p.find((x) => x.label === part.label)?.value ?? 0), 0))}
          </span>
        ))}
        <span className="muted">in {n} days</span>
      </figcaption>
    </figure>
  );
}
