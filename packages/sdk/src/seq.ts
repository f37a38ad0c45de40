import { z } from "zod";

/** The largest PostgreSQL `integer`: the column type of `seq`, `last_seq` and attempt counters. */
export const maxInt = 2 ** 31 - 1;

/** A per-session sequence number: 1 for a session's first event; 0 as a cursor means "from the start". */
export const Seq = z.int().min(0).max(maxInt);
/**
 * A tenant-wide event id, the cursor of the all-sessions stream: a `bigint` column, sent as a JSON number,
 * so at most 2^53 - 1 (zod's `int` is a safe integer).
 */
export const EventId = z.int().min(0);
/** The same two as a path, a query string or a header (`Last-Event-ID`) carries them: text of digits. */
export const SeqParam = z.coerce.number().int().min(0).max(maxInt);
export const EventIdParam = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
