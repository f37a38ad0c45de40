import type { Answer, ApprovalRequest } from "@orchestrator/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";
import { PatchView } from "./diff.tsx";
import type { Item } from "./fold.ts";
import { useWho } from "./who.ts";

type Approval = Extract<Item, { kind: "approval" }>;

/**
 * What a person is asked to allow, exactly: a shell command verbatim (in a block that wraps, never cuts)
 * with the directory it runs in, or the diff an edit would make. Requests from before these fields
 * existed show their title and patterns.
 */
function Asked({ r }: { r: Partial<ApprovalRequest> }) {
  return (
    <>
      {r.command !== undefined && (
        <div className="stack" style={{ gap: 4 }}>
          <pre className="code cmd" data-command>
            {r.command}
          </pre>
          <div className="muted">
            runs in {r.cwd ? <code data-cwd>{r.cwd}</code> : "a directory the agent did not report"}
          </div>
        </div>
      )}
      {r.diff !== undefined &&
        (r.diff ? <PatchView patch={r.diff} /> : <div className="muted">no change</div>)}
      {r.command === undefined && r.diff === undefined && r.patterns && r.patterns.length > 0 && (
        <pre className="code">{r.patterns.join("\n")}</pre>
      )}
      {r.clipped && (
        <div className="tone-hold">This is cut at 64 KiB: the tool call in the timeline has the rest.</div>
      )}
      {r.description && <div className="muted">the agent says: {r.description}</div>}
    </>
  );
}

/** One line for what is asked; the block below it has the detail. */
function heading(r: Partial<ApprovalRequest>): string {
  if (r.command !== undefined) return "Run this shell command?";
  if (r.file && r.diff !== undefined)
    return `${/^new file mode/m.test(r.diff) ? "Create" : "Change"} ${r.file}?`;
  return r.title ?? "";
}

/** An approval inline in the timeline: what the agent asks, and Once / Always / Reject (or the answers). */
export function ApprovalRow({ item }: { item: Approval; sessionId: string }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const [note, setNote] = useState("");
  const [picks, setPicks] = useState<string[][]>([]);
  // A person's own words for a question: the only answer to one without options (an A2A agent's, or
  // an EAP agent's `ask`), and, typed, the answer instead of the options picked.
  const [own, setOwn] = useState<string[]>([]);
  const chosen = (i: number) => (own[i]?.trim() ? [own[i].trim()] : (picks[i] ?? []));
  const answer = useMutation({
    mutationFn: (a: Answer) => client.approvals.answer(item.approvalId, a),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["attention"] }),
  });
  const who = useWho();
  const r = item.request as Partial<ApprovalRequest>;
  const pending = item.state === "pending" && !answer.isSuccess;
  const questions = r.questions ?? [];

  return (
    <div className="stack" style={{ gap: 6 }} data-approval={item.approvalId} data-state={item.state}>
      <div className="row">
        <span className="badge tone-ask">
          {item.ask === "question" ? "question" : `permission${r.permission ? `: ${r.permission}` : ""}`}
        </span>
        <b>{heading(r)}</b>
        {pending && item.expiresAt && (
          <span className="muted">
            (the timeout policy answers <Ago at={item.expiresAt} future />)
          </span>
        )}
      </div>
      <Asked r={r} />
      {item.ask === "permission" && r.always && r.always.length > 0 && pending && (
        <div className="muted">
          “Always” also allows from now on in this session:{" "}
          {r.always.includes("*")
            ? `any ${r.permission ?? "such request"}`
            : r.always.map((p, i) => (
                <span key={p}>
                  {i > 0 && ", "}
                  <code>{p}</code>
                </span>
              ))}
        </div>
      )}
      {/* Answered, a question without options has nothing more to show than its title and answer. */}
      {questions.map((q, qi) =>
        pending || q.options?.length ? (
          <fieldset key={qi} style={{ border: "1px solid var(--border)", margin: 0 }} disabled={!pending}>
            <legend>{q.header ?? q.question}</legend>
            {q.header && <div>{q.question}</div>}
            {(q.options ?? []).map((o) => (
              <label key={o.label} className="row">
                <input
                  type={q.multiple ? "checkbox" : "radio"}
                  name={`${item.approvalId}-${qi}`}
                  style={{ width: 16, minHeight: 0 }}
                  checked={picks[qi]?.includes(o.label) ?? false}
                  onChange={(e) => {
                    const n = [...picks];
                    const cur = n[qi] ?? [];
                    n[qi] = q.multiple
                      ? e.target.checked
                        ? [...cur, o.label]
                        : cur.filter((x) => x !== o.label)
                      : [o.label];
                    setPicks(n);
                  }}
                />
                {o.label}
                {o.description && <span className="muted"> — {o.description}</span>}
              </label>
            ))}
            {pending ? (
              <input
                aria-label={`Your answer to: ${q.question}`}
                placeholder={q.options?.length ? "or in your own words" : "your answer"}
                value={own[qi] ?? ""}
                onChange={(e) => {
                  const n = [...own];
                  n[qi] = e.target.value;
                  setOwn(n);
                }}
                style={{ maxWidth: 420, minHeight: 26, padding: "2px 6px" }}
              />
            ) : null}
          </fieldset>
        ) : null,
      )}
      {pending ? (
        <div className="row">
          {item.ask === "permission" ? (
            <>
              <Button
                size="sm"
                variant="primary"
                disabled={answer.isPending}
                onClick={() => answer.mutate({ reply: "once" })}
              >
                Once
              </Button>
              <Button
                size="sm"
                disabled={answer.isPending}
                title={r.always?.length ? `allows from now on: ${r.always.join(", ")}` : undefined}
                onClick={() => answer.mutate({ reply: "always" })}
              >
                Always
              </Button>
            </>
          ) : (
            <Button
              size="sm"
              variant="primary"
              disabled={answer.isPending || questions.some((_, i) => !chosen(i).length)}
              onClick={() => answer.mutate({ answers: questions.map((_, i) => chosen(i)) })}
            >
              Answer
            </Button>
          )}
          <input
            aria-label="Feedback with a rejection"
            placeholder="why (optional, the agent reads it)"
            value={note}
            onChange={(e) => setNote(e.target.value)}
            style={{ maxWidth: 280, minHeight: 26, padding: "2px 6px" }}
          />
          <Button
            size="sm"
            variant="danger"
            disabled={answer.isPending}
            onClick={() =>
              answer.mutate({ reply: "reject", ...(note.trim() ? { message: note.trim() } : {}) })
            }
          >
            Reject
          </Button>
        </div>
      ) : (
        <div className="muted" data-answered>
          {item.state === "answered" || answer.isSuccess
            ? `answered: ${describe(item.answer ?? answer.data?.answer)}`
            : item.state === "expired"
              ? `no one answered in time: ${describe(item.answer)} by the timeout policy`
              : item.state === "withdrawn"
                ? "withdrawn: the run ended before an answer"
                : item.state}
          {item.by && item.state === "answered" && ` · by ${who(item.by)}`}
        </div>
      )}
      {answer.error ? <Problem error={answer.error} /> : null}
    </div>
  );
}

function describe(a: unknown): string {
  const x = a as Answer | undefined | null;
  if (!x) return "";
  if (x.reply) return x.reply + (x.message ? ` (${x.message})` : "");
  return (x.answers ?? []).map((l) => l.join(", ")).join(" / ");
}
