/** Nearest-rank percentile of unsorted samples (p in 0..100). */
export function pct(samples: ArrayLike<number>, p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function summary(samples: ArrayLike<number>) {
  return { n: samples.length, p50: pct(samples, 50), p99: pct(samples, 99), max: pct(samples, 100) };
}

export const median = (xs: number[]) => pct(xs, 50);

export const ms = (v: number, digits = 1) => (Number.isFinite(v) ? `${v.toFixed(digits)} ms` : "n/a");

/** "met" / "MISSED" against a target where lower is better. */
export const verdict = (value: number, target: number) => (value <= target ? "met" : "MISSED");

/** A plain aligned table for the terminal. */
export function table(rows: (string | number)[][]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}
