import type { Status } from "@orchestrator/sdk";
import { StatusBadge } from "../../ui/badge.tsx";
import { clock } from "../../ui/time.tsx";
import { ApprovalRow } from "./approval.tsx";
import { EditDiff, useChange } from "./change.tsx";
import type { Item } from "./fold.ts";
import { useWho } from "./who.ts";

const levelTone: Record<string, string> = { error: "bad", warn: "hold", info: "done", debug: "idle" };
const toolTone: Record<string, string> = {
  pending: "idle",
  running: "queue",
  completed: "run",
  error: "bad",
};

/** One timeline entry. Rows are memoised by item, and an item object only changes when its event does. */
export function Row({ item, sessionId }: { item: Item; sessionId: string }) {
  return (
    <div className={`tl tl-${item.kind}`} data-kind={item.kind} data-seq={item.key}>
      <time className="tl-at" dateTime={item.at}>
        {clock(item.at)}
      </time>
      <div className="tl-body">
        <Body item={item} sessionId={sessionId} />
      </div>
    </div>
  );
}

/** A person's own stop is not a failure: its "error" only repeats the reason, or says nothing. */
const asked = ["cancel", "stop", "pause"];

function Body({ item, sessionId }: { item: Item; sessionId: string }) {
  const who = useWho();
  switch (item.kind) {
    case "status": {
      // Queued again after it ran: a retry, or a new round a person's message opened.
      const again = item.to === "queued" && item.from !== "pending" && item.from !== "paused";
      const badge = !again ? null : item.event === "follow" ? "new round" : "retry";
      const failure =
        item.error && !asked.includes(item.event) && item.error.message !== item.reason ? item.error : null;
      return (
        <div>
          <div className="row">
            <StatusBadge status={item.to as Status} />
            <span className="muted">
              ← {item.from.replace(/_/g, " ")} · {item.event}
              {item.attempt > 0 && ` · attempt ${item.attempt}`}
            </span>
            {item.by && <span data-by>by {who(item.by)}</span>}
            {badge && <span className="badge tone-hold">{badge}</span>}
          </div>
          {item.route && (
            <div className="muted" style={{ marginTop: 2 }}>
              → {item.route.agent}
              {item.route.why && `: ${item.route.why}`}
              {item.route.runnersUp.length > 0 &&
                ` · runners-up ${item.route.runnersUp.map((r) => `${r.name} ${r.score}`).join(", ")}`}
            </div>
          )}
          {item.reason && <div className="muted">{item.reason}</div>}
          {failure && (
            <div className="tone-bad">
              {failure.code}: {failure.message}
            </div>
          )}
        </div>
      );
    }
    case "message":
      return (
        <div className="tl-text" data-streaming={item.streaming || undefined}>
          {item.text}
          {item.streaming && (
            <span className="cursor" aria-hidden="true">
              ▍
            </span>
          )}
        </div>
      );
    case "reasoning":
      return (
        <details>
          <summary className="muted">reasoning</summary>
          <div className="tl-text muted">{item.text}</div>
        </details>
      );
    case "log":
      return (
        <div className="tl-text">
          <b className={`tone-${levelTone[item.level] ?? "idle"}`}>[{item.level.toUpperCase()}]</b>{" "}
          {item.text}
        </div>
      );
    case "tool":
      return <Tool item={item} />;
    case "approval":
      return <ApprovalRow item={item} sessionId={sessionId} />;
    case "checkpoint":
      return (
        <div className="tone-done">
          ◆ checkpoint #{item.seq}
          {item.commit && <code className="muted"> {item.commit.slice(0, 10)}</code>}
        </div>
      );
    case "note":
      return (
        <div className="tl-text" data-type={item.type}>
          <span className={`tone-${item.tone}`}>{item.text}</span>
          {item.by && <span className="muted"> · by {who(item.by)}</span>}
        </div>
      );
    case "progress":
      return (
        <div className="row">
          <span className="muted">progress</span>
          <div className="bar" style={{ width: 160 }}>
            <span style={{ width: `${item.total ? (100 * item.done) / item.total : 0}%` }} />
          </div>
          {item.done}/{item.total}
        </div>
      );
    case "todo":
      return (
        <ul style={{ margin: 0, paddingLeft: 18 }}>
          {item.todos.map((t, i) => (
            <li key={i} className={t.status === "completed" ? "muted" : ""}>
              [{t.status === "completed" ? "x" : t.status === "in_progress" ? "~" : " "}] {t.content}
            </li>
          ))}
        </ul>
      );
    case "artifact":
      return (
        <details>
          <summary>artifact {item.name}</summary>
          <pre className="code">{item.content}</pre>
        </details>
      );
    case "other":
      // An event this page does not know yet: its fields as words, not a JSON dump.
      return (
        <div className="tl-text">
          <span className="muted">{item.type.replace(/[._]/g, " ")}</span>
          {Object.entries(item.data as Record<string, unknown>).map(([k, v]) => (
            <span key={k}>
              {" · "}
              <span className="muted">{k}</span> {typeof v === "string" ? v : JSON.stringify(v)}
            </span>
          ))}
        </div>
      );
  }
}

type ToolItem = Extract<Item, { kind: "tool" }>;

/**
 * A tool call: its status, tool and what it touches, opening to its input and output. A file edit shows
 * the diff it makes, open, instead of its input as escaped JSON.
 */
function Tool({ item }: { item: ToolItem }) {
  const input = (item.input ?? {}) as Record<string, unknown>;
  const command = typeof input.command === "string" ? input.command : null;
  const edit = useChange(item.tool, item.input);
  const preview = command ?? edit?.file ?? (typeof input.filePath === "string" ? input.filePath : null);
  return (
    <details className="tl-tool" open={edit !== null || undefined}>
      <summary>
        {item.approval ? (
          <span className="badge tone-ask">awaiting approval</span>
        ) : (
          <span className={`badge tone-${toolTone[item.status] ?? "idle"}`}>{item.status}</span>
        )}{" "}
        <b>{item.tool}</b>{" "}
        <code className="muted tl-preview" data-preview>
          {preview ?? item.title}
        </code>
      </summary>
      <div className="stack" style={{ gap: 6, marginTop: 6 }}>
        {command !== null && (
          <div>
            <div className="label">Input</div>
            <pre className="code">{command}</pre>
            <div className="muted">
              in {typeof input.workdir === "string" ? <code>{input.workdir}</code> : "the worktree"}
              {typeof input.description === "string" && ` · the agent says: ${input.description}`}
            </div>
          </div>
        )}
        {edit && <EditDiff c={edit} />}
        {item.input !== undefined && command === null && edit === null && (
          <div>
            <div className="label">Input</div>
            <pre className="code">{JSON.stringify(item.input, null, 2)}</pre>
          </div>
        )}
        {item.output !== undefined && (
          <div>
            <div className="label">Output</div>
            <pre className="code">{item.output}</pre>
          </div>
        )}
        {item.error && <pre className="code tone-bad">{item.error}</pre>}
        <div className="muted">
          {item.steps.map((s) => `${clock(s.at)} ${s.status}`).join(" → ")} · call {item.callId}
        </div>
      </div>
    </details>
  );
}
