import type { Answer } from "@orchestrator/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";
import type { Item } from "./fold.ts";

type Approval = Extract<Item, { kind: "approval" }>;
interface Question {
  question: string;
  header?: string;
  options?: { label: string; description?: string }[];
  multiple?: boolean;
}

/** An approval inline in the timeline: what the agent asks, and Once / Always / Reject (or the answers). */
export function ApprovalRow({ item }: { item: Approval; sessionId: string }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const [note, setNote] = useState("");
  const [picks, setPicks] = useState<string[][]>([]);
  const answer = useMutation({
    mutationFn: (a: Answer) => client.approvals.answer(item.approvalId, a),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ["attention"] }),
  });
  const r = item.request as {
    title?: string;
    permission?: string;
    patterns?: string[];
    always?: string[];
    questions?: Question[];
  };
  const pending = item.state === "pending" && !answer.isSuccess;
  const questions = r.questions ?? [];

  return (
    <div className="stack" style={{ gap: 6 }} data-approval={item.approvalId} data-state={item.state}>
      <div className="row">
        <span className="badge tone-ask">
          {item.ask === "question" ? "question" : `permission${r.permission ? `: ${r.permission}` : ""}`}
        </span>
        <b>{r.title}</b>
        {pending && item.expiresAt && (
          <span className="muted">
            (policy answers <Ago at={item.expiresAt} />)
          </span>
        )}
      </div>
      {r.patterns && r.patterns.length > 0 && <pre className="code">{r.patterns.join("\n")}</pre>}
      {questions.map((q, qi) => (
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
        </fieldset>
      ))}
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
              disabled={answer.isPending || questions.some((_, i) => !picks[i]?.length)}
              onClick={() => answer.mutate({ answers: questions.map((_, i) => picks[i] ?? []) })}
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
            : item.state}
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
