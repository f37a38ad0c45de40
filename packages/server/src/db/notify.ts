import { type SQL, sql } from "drizzle-orm";
import { type Note, type Topic, channel, topics } from "./channels.ts";

/**
 * At most one NOTIFY per transaction. Every NOTIFY of a transaction takes PostgreSQL's database-wide notify
 * lock at commit and adds to the shared notify queue, so the notes of one transaction (or of one autocommit
 * statement, which is a transaction) are coalesced into one payload on one channel: a JSON object from
 * topic to payloads, duplicates removed, `{"events":["<tenant>"],"queue":[]}`. An empty list means the
 * topic's listeners are called once with "".
 */

/** PostgreSQL refuses a payload of 8,000 bytes or more (the default build's NOTIFY_PAYLOAD_MAX_LENGTH). */
export const maxBytes = 7999;

export function encode(notes: Iterable<Note>, max = maxBytes): string {
  const by = new Map<Topic, Set<string>>();
  for (const [topic, payload] of notes) {
    const set = by.get(topic) ?? new Set();
    if (payload) set.add(payload);
    by.set(topic, set);
  }
  const out: Record<string, string[]> = {};
  for (const [topic, set] of by) out[topic] = [...set];
  let text = JSON.stringify(out);
  // Too long: drop the payloads of the topic that has the most, until it fits. Its listeners get "" and look
  // at everything they wait for (the poll that backs up every listener would find it too, only later).
  while (Buffer.byteLength(text) > max) {
    const [topic] = Object.entries(out).sort((a, b) => b[1].join().length - a[1].join().length)[0]!;
    if (!out[topic]!.length) throw new Error("a notification of topics alone cannot be this long");
    out[topic] = [];
    text = JSON.stringify(out);
  }
  return text;
}

/** The notes of one payload, each payload once ("" for a topic without any). Foreign payloads are ignored. */
export function decode(text: string): [Topic, string][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return []; // someone else's NOTIFY on our channel: not ours to read
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return [];
  const out: [Topic, string][] = [];
  for (const [topic, list] of Object.entries(parsed)) {
    if (!(topic in topics) || !Array.isArray(list)) continue;
    const payloads = list.filter((p): p is string => typeof p === "string");
    if (!payloads.length) out.push([topic as Topic, ""]);
    for (const p of payloads) out.push([topic as Topic, p]);
  }
  return out;
}

/** The NOTIFY of `notes`, for a statement's select list: it fires once however many rows there are. */
export const statement = (notes: Iterable<Note>): SQL => sql`pg_notify(${channel}, ${encode(notes)})`;

type Rows = <T = Record<string, unknown>>(query: SQL) => Promise<T[]>;

/**
 * The notes of one transaction, sent in one NOTIFY by `flush`, just before commit. `wake` gives a statement
 * a marker column instead of a NOTIFY: its notes count only once the statement returns a row that has the
 * marker, which is exactly when the statement's own `pg_notify` would have fired.
 */
export function collector(rows: Rows) {
  const kept: Note[] = [];
  const pending = new Map<string, readonly Note[]>();
  let n = 0;
  return {
    rows: async <T = Record<string, unknown>>(query: SQL): Promise<T[]> => {
      const out = await rows<T>(query);
      const first = out[0] as Record<string, unknown> | undefined;
      for (const [key, notes] of pending) {
        if (!first || !(key in first)) continue;
        kept.push(...notes);
        pending.delete(key);
      }
      return out;
    },
    wake: (notes: readonly Note[]): SQL => {
      const key = `io_wake_${n++}`;
      pending.set(key, notes);
      return sql`true as ${sql.identifier(key)}`;
    },
    notify: async (notes: readonly Note[]): Promise<void> => void kept.push(...notes),
    flush: async (): Promise<void> => {
      if (kept.length) await rows(sql`select ${statement(kept.splice(0))}`);
    },
  };
}
