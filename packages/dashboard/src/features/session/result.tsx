import { type Session, WorkspaceResult, leased, terminal } from "@orchestrator/sdk";
import { Card } from "../../ui/card.tsx";
import { count } from "../../ui/count.ts";
import { Ago, clock, span } from "../../ui/time.tsx";
import type { Item } from "./fold.ts";
import { useWho } from "./who.ts";

type Status = Extract<Item, { kind: "status" }>;
type Shape = Record<string, unknown>;

/** Fields of a result this card shows in their own way; the rest is shown as data. */
const known = new Set([
  "text",
  "summary",
  "output",
  "artifacts",
  "types",
  "executionTimeMs",
  "branch",
  "base",
  "worktree",
  "diff",
  "tokens",
  "opencodeSession",
]);

/**
 * What the session produced, for every agent: its text or summary to read, structured output as
 * formatted JSON that folds, artifacts, and for a coding session the branch and what changed. While it
 * runs (or when it ended without one) it says so; a person's cancel or stop says who, when and why.
 */
export function Result({ s, ending }: { s: Session; ending: Status | undefined }) {
  const r = s.result;
  const obj = r !== null && typeof r === "object" && !Array.isArray(r) ? (r as Shape) : null;
  const text = typeof r === "string" ? r : firstText(obj, ["text", "summary", "output"]);
  const output = obj && obj.output !== undefined && typeof obj.output !== "string" ? obj.output : undefined;
  const artifacts = obj?.artifacts && typeof obj.artifacts === "object" ? (obj.artifacts as Shape) : {};
  const ws = WorkspaceResult.safeParse(r);
  const rest = obj ? Object.fromEntries(Object.entries(obj).filter(([k]) => !known.has(k))) : null;
  const data = Array.isArray(r) || typeof r === "number" || typeof r === "boolean" ? r : undefined;
  const ms = typeof obj?.executionTimeMs === "number" && obj.executionTimeMs > 0 ? obj.executionTimeMs : null;
  return (
    <Card title="Result" id="result">
      <div className="stack" style={{ gap: 10 }} data-result={r === null ? "none" : "some"}>
        <Outcome s={s} ending={ending} />
        {text && (
          <div className="tl-text" data-result-text style={{ maxHeight: 320, overflow: "auto" }}>
            {text}
          </div>
        )}
        {output !== undefined && <Json label="Output" value={output} open />}
        {data !== undefined && <Json label="Data" value={data} open />}
        {ws.success && (
          <div data-result-diff>
            <a href="#diff-t">{count(ws.data.diff.files.length, "file")} changed</a>{" "}
            <span className="tone-run">+{ws.data.diff.additions}</span>{" "}
            <span className="tone-bad">−{ws.data.diff.deletions}</span>
            {ws.data.branch && (
              <>
                {" "}
                on <code>{ws.data.branch}</code>
              </>
            )}
            {ws.data.base && (
              <>
                {" "}
                from <code>{ws.data.base.slice(0, 10)}</code>
              </>
            )}
          </div>
        )}
        {Object.entries(artifacts).map(([name, content]) => (
          <details key={name} data-artifact={name}>
            <summary>artifact {name}</summary>
            <pre className="code">
              {typeof content === "string" ? content : JSON.stringify(content, null, 2)}
            </pre>
          </details>
        ))}
        {rest && Object.keys(rest).length > 0 && (
          <Json label="More" value={rest} open={!text && output === undefined} />
        )}
        {ms !== null && <div className="muted">the agent took {ms < 1000 ? `${ms} ms` : span(ms)}</div>}
      </div>
    </Card>
  );
}

/** Where the session stands, when there is no result to read yet, or how a person ended it. */
function Outcome({ s, ending }: { s: Session; ending: Status | undefined }) {
  const who = useWho();
  if (s.status === "cancelled" || s.status === "stopped") {
    const reason =
      ending?.reason ??
      (s.error && !/^(cancelled|stopped) by request$/.test(s.error.message) ? s.error.message : null);
    return (
      <div data-ended={s.status}>
        <b>{s.status === "cancelled" ? "Cancelled" : "Stopped"}</b>
        {ending?.by && ` by ${who(ending.by)}`}
        {s.endedAt && (
          <>
            {" "}
            at {clock(s.endedAt)} (<Ago at={s.endedAt} />)
          </>
        )}
        {reason && <div className="muted">reason: {reason}</div>}
        {s.result === null && <div className="muted">It ended before the agent reported a result.</div>}
      </div>
    );
  }
  if (s.result !== null) return null;
  if (leased.includes(s.status))
    return (
      <div className="muted" data-empty>
        No result yet: the agent is {s.status === "waiting" ? "waiting for a person" : "working"} (attempt{" "}
        {s.attempt}). It shows here when the session ends.
      </div>
    );
  if (terminal.includes(s.status))
    return (
      <div className="muted" data-empty>
        No result: the session ended {s.status.replace(/_/g, " ")} before the agent reported one.
      </div>
    );
  return (
    <div className="muted" data-empty>
      No result yet: the session is {s.status}
      {s.status === "queued" && s.queueReason ? ` (${s.queueReason})` : ""}.
    </div>
  );
}

function Json({ label, value, open }: { label: string; value: unknown; open?: boolean }) {
  return (
    <details open={open} data-json={label.toLowerCase()}>
      <summary className="label">{label}</summary>
      <pre className="code" style={{ maxHeight: 360 }}>
        {JSON.stringify(value, null, 2)}
      </pre>
    </details>
  );
}

const firstText = (o: Shape | null, keys: string[]) => {
  for (const k of keys) if (typeof o?.[k] === "string" && o[k]) return o[k] as string;
  return null;
};
