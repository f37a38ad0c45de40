import { Context } from "@orchestrator/sdk";
import { useMemo, useState } from "react";
import { Link } from "react-router";
import { clip, inline, openDepth } from "./words.ts";

/**
 * A JSON document as a tree: objects and arrays fold (a small document opens whole, a big one its first
 * two levels), scalars are coloured by type, long strings are clipped to a line with a button that shows
 * them whole, a session's id links to it. `hot` marks the paths a change touched (JSON pointers): they
 * and the branches that hold them carry a marker.
 */
export function Tree({ data, hot = [], label }: { data: unknown; hot?: string[]; label: string }) {
  const open = useMemo(() => openDepth(data), [data]);
  return (
    <div className="ctx-tree" aria-label={label} role="group" data-tree>
      <Node name={null} value={data} path={[]} depth={0} hot={hot} open={open} />
    </div>
  );
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Children shown at first, and per "show more": a 10,000-item array does not render at once. */
const page = 100;
const isBranch = (v: unknown): v is object => v !== null && typeof v === "object";

interface At {
  path: string[];
  depth: number;
  hot: string[];
  open: number;
}

function Node(p: At & { name: string | null; value: unknown }) {
  const ptr = Context.format(p.path);
  // A touched path marks itself and every branch above it; the whole document ("") marks only the root.
  const marked = p.hot.some((h) => h === ptr || (ptr !== "" && h.startsWith(`${ptr}/`)));
  const key =
    p.name === null ? null : (
      <span className={/^\d+$/.test(p.name) && p.depth > 0 ? "ctx-idx" : "ctx-key"}>{p.name}</span>
    );
  const mark = marked && (
    <span className="ctx-hot" title="changed by the last change" aria-label="changed by the last change">
      ●
    </span>
  );
  const v = p.value;
  if (!isBranch(v) || Object.keys(v).length === 0)
    return (
      <div className="ctx-leaf" data-path={ptr}>
        {mark}
        {key}
        {key && <span className="muted">: </span>}
        {p.name === "sessionId" && typeof v === "string" && uuid.test(v) ? (
          <Link to={`/sessions/${v}`} className="ctx-str">
            session {v.slice(0, 8)}
          </Link>
        ) : (
          <Value v={v} />
        )}
      </div>
    );
  const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
  return (
    <details open={p.depth < p.open} data-path={ptr}>
      <summary>
        {mark}
        {key ?? <span className="ctx-key">document</span>}{" "}
        <span className="muted">
          {Array.isArray(v)
            ? `[${entries.length} item${entries.length === 1 ? "" : "s"}]`
            : `{${entries.length} key${entries.length === 1 ? "" : "s"}}`}
        </span>
      </summary>
      <Children entries={entries} {...p} />
    </details>
  );
}

function Children(p: At & { entries: [string, unknown][] }) {
  const [shown, setShown] = useState(page);
  const rest = p.entries.length - shown;
  return (
    <div className="ctx-kids">
      {p.entries.slice(0, shown).map(([k, x]) => (
        <Node
          key={k}
          name={k}
          value={x}
          path={[...p.path, k]}
          depth={p.depth + 1}
          hot={p.hot}
          open={p.open}
        />
      ))}
      {rest > 0 && (
        <button className="btn sm ghost" onClick={() => setShown(shown + page)}>
          Show {Math.min(rest, page)} more of {rest}
        </button>
      )}
    </div>
  );
}

/**
 * One value, short: a scalar coloured by type; a long string cut to its first line (160 characters at
 * most), an object or array as one line of JSON; either opens whole, strings as text, JSON indented.
 */
export function Value({ v, max = 160 }: { v: unknown; max?: number }) {
  const [open, setOpen] = useState(false);
  if (v === undefined) return <span className="ctx-absent">absent</span>;
  if (v === null) return <span className="ctx-null">null</span>;
  if (typeof v === "number") return <span className="ctx-num">{String(v)}</span>;
  if (typeof v === "boolean") return <span className="ctx-bool">{String(v)}</span>;
  const text = typeof v === "string" ? v : inline(v);
  const c = clip(text, max);
  const toggle = c.cut && (
    <button className="btn sm ghost ctx-more" aria-expanded={open} onClick={() => setOpen(!open)}>
      {open ? "Show less" : `Show all ${text.length.toLocaleString()} characters`}
    </button>
  );
  if (typeof v !== "string")
    return open ? (
      <span className="ctx-whole">
        <pre className="code">{JSON.stringify(v, null, 2)}</pre>
        {toggle}
      </span>
    ) : (
      <span className="ctx-json">
        {c.text} {toggle}
      </span>
    );
  return (
    <span className={open ? "ctx-str ctx-whole" : "ctx-str"}>
      “{open ? v : c.text}” {toggle}
    </span>
  );
}
