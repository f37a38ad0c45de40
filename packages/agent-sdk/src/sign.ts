import { createHmac, timingSafeEqual } from "node:crypto";

/** The signature the orchestrator puts on a pushed assignment: `v1=` HMAC-SHA256 over "<unix seconds>.<body>". */
export const sign = (secret: string, ts: number | string, body: string): string =>
  `v1=${createHmac("sha256", secret).update(`${ts}.${body}`).digest("hex")}`;

/**
 * Whether a push really came from the orchestrator: the signature matches (compared in constant time) and
 * the timestamp is within `toleranceSec` of now, so a captured request cannot be replayed later.
 */
export function verify(
  secret: string,
  headers: { timestamp?: string; signature?: string },
  body: string,
  now = Date.now(),
  toleranceSec = 300,
): boolean {
  const ts = Number(headers.timestamp);
  if (!Number.isInteger(ts) || Math.abs(now / 1000 - ts) > toleranceSec || !headers.signature) return false;
  const want = Buffer.from(sign(secret, ts, body));
  const got = Buffer.from(headers.signature);
  return want.length === got.length && timingSafeEqual(want, got);
}
