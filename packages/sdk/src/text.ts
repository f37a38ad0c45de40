/**
 * Text PostgreSQL can store. It refuses U+0000 in `text` and `jsonb` (errors 22P05 and 22021), and a
 * UTF-16 string holding a lone surrogate has no UTF-8 form at all. The server checks every string a client
 * sends against this rule once, at its edge (every request's path, query and JSON body, and every EAP
 * message over gRPC), so such a value is a 422 naming its field instead of a database error.
 */
const unstorableChar = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `s` cannot be stored, or null when it can. */
export function textFlaw(s: string): string | null {
  if (!unstorableChar.test(s)) return null;
  return s.includes("\0")
    ? "contains a NUL character (U+0000), which cannot be stored"
    : "contains a lone UTF-16 surrogate (not valid Unicode), which cannot be stored";
}

export interface TextIssue {
  /** Dotted path from the value's root, e.g. ["metadata", "k"]; a key that is itself bad ends the path. */
  path: string[];
  message: string;
}

/** How deep a JSON value may nest: deeper ones are refused (serialising them would overflow the stack). */
export const maxDepth = 64;

/**
 * The first string anywhere in a JSON value (a value or an object's key) that cannot be stored, or the
 * first place it nests deeper than `maxDepth`. Iterative, so a hostile body's depth cannot overflow it.
 */
export function unstorable(value: unknown, path: string[] = []): TextIssue | null {
  // Each entry: a value, its path, and whether its key (the path's last part) is itself unstorable.
  const stack: [unknown, string[], string | null][] = [[value, path, null]];
  while (stack.length) {
    const [v, at, keyFlaw] = stack.pop()!;
    // A bad key is shown escaped: it is the bad value itself.
    if (keyFlaw)
      return {
        path: [...at.slice(0, -1), JSON.stringify(at.at(-1)).slice(1, -1)],
        message: `key ${keyFlaw}`,
      };
    if (typeof v === "string") {
      const flaw = textFlaw(v);
      if (flaw) return { path: at, message: flaw };
      continue;
    }
    if (typeof v !== "object" || v === null) continue;
    if (at.length - path.length >= maxDepth)
      return { path: at, message: `nests deeper than ${maxDepth} levels` };
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    // Pushed in reverse, so the first bad field in document order is the one reported.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, x] = entries[i]!;
      stack.push([x, [...at, k], Array.isArray(v) ? null : textFlaw(k)]);
    }
  }
  return null;
}

const unstorableAll = new RegExp(unstorableChar.source, "g");

/**
 * The value with every unstorable character replaced by U+FFFD, keys included. For what agents we run
 * produce (a tool's output of a binary file, a remote A2A agent's text): that is not a client's mistake to
 * refuse, and the log must keep the rest of it. Returns the value itself when nothing needs replacing.
 */
export function storable<T>(value: T): T {
  if (typeof value === "string")
    return (textFlaw(value) ? value.replace(unstorableAll, "\ufffd") : value) as T;
  if (typeof value !== "object" || value === null) return value;
  if (!unstorable(value)) return value;
  if (Array.isArray(value)) return value.map(storable) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [storable(k), storable(v)])) as T;
}
