/** Timestamps arrive as Date or as PostgreSQL text ("2026-11-24 08:05:40.715+00") depending on the driver path. */
export function toDate(v: unknown): Date | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v;
  const s = String(v).replace(" ", "T").replace(/([+-]\d\d)$/, "$1:00");
  return new Date(s);
}

export const toIso = (v: unknown): string | null => toDate(v)?.toISOString() ?? null;
