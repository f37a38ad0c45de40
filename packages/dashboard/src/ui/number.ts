/** 950, 12.3k, 4.5M: a count at a glance (tokens). The exact number goes in a title beside it. */
export function compact(n: number): string {
  if (n < 1000) return String(Math.round(n));
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0)}k`;
  return `${(n / 1_000_000).toFixed(1)}M`;
}

/** $0, $0.0042, $1.25: cents, or four places for what is less than a cent (a demo run costs that little). */
export const dollars = (c: number): string =>
  c === 0 ? "$0" : c < 0.01 ? `$${c.toFixed(4)}` : `$${c.toFixed(2)}`;
