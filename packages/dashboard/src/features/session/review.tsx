import type { Line, ReviewComment, Session } from "@orchestrator/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { type ReactNode, createContext, useContext, useState } from "react";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Problem } from "../../ui/problem.tsx";

type Spot = { file: string; line: number; side: "new" | "old" };

interface Review {
  comments: ReviewComment[];
  editing: Spot | null;
  edit(spot: Spot | null): void;
  add(c: ReviewComment): void;
  remove(i: number): void;
}

const Ctx = createContext<Review | null>(null);

/** Review comments on a session's diff, while the person writes them (docs/conversation.md). */
export function ReviewProvider({ children }: { children: ReactNode }) {
  const [comments, setComments] = useState<ReviewComment[]>([]);
  const [editing, edit] = useState<Spot | null>(null);
  const review: Review = {
    comments,
    editing,
    edit,
    add: (c) => {
      setComments((all) => [...all, c]);
      edit(null);
    },
    remove: (i) => setComments((all) => all.filter((_, j) => j !== i)),
  };
  return <Ctx.Provider value={review}>{children}</Ctx.Provider>;
}

export const useReview = () => useContext(Ctx);

/** Where a line can be commented on: its new number, or its old one for a removed line. */
export const spotOf = (file: string, l: Line): Spot =>
  l.kind === "del" ? { file, line: l.old!, side: "old" } : { file, line: l.new!, side: "new" };

const same = (a: Spot, b: Spot) => a.file === b.file && a.line === b.line && a.side === b.side;

/** The line number as a button that opens a comment on the line (only while reviewing). */
export function LineNo({ file, l, children }: { file: string; l: Line; children: ReactNode }) {
  const review = useReview();
  if (!review) return <>{children}</>;
  const spot = spotOf(file, l);
  return (
    <button
      className="line-no"
      aria-label={`Comment on ${spot.side === "old" ? "removed " : ""}line ${spot.line} of ${file}`}
      onClick={() => review.edit(spot)}
    >
      {children}
    </button>
  );
}

/** Under a line: its comments so far, and the box for a new one. */
export function LineComments({ file, l, span }: { file: string; l: Line; span: number }) {
  const review = useReview();
  const [text, setText] = useState("");
  if (!review) return null;
  const spot = spotOf(file, l);
  const here = review.comments.map((c, i) => [c, i] as const).filter(([c]) => same(c, spot));
  const open = review.editing && same(review.editing, spot);
  if (!here.length && !open) return null;
  return (
    <tr className="line-comments">
      <td colSpan={span}>
        {here.map(([c, i]) => (
          <div key={i} className="line-comment" data-comment>
            <span>{c.text}</span>
            <Button size="sm" variant="ghost" onClick={() => review.remove(i)}>
              Remove
            </Button>
          </div>
        ))}
        {open ? (
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault();
              if (!text.trim()) return;
              review.add({ ...spot, text: text.trim() });
              setText("");
            }}
          >
            <textarea
              rows={2}
              autoFocus
              aria-label={`Your comment on line ${spot.line} of ${file}`}
              value={text}
              onChange={(e) => setText(e.target.value)}
            />
            <div className="row">
              <Button size="sm" type="submit" variant="primary" disabled={!text.trim()}>
                Add comment
              </Button>
              <Button size="sm" onClick={() => review.edit(null)}>
                Cancel
              </Button>
            </div>
          </form>
        ) : null}
      </td>
    </tr>
  );
}

/** Send every comment to the agent as one follow-up: its new round works on the same branch. */
export function RequestChanges({ s }: { s: Session }) {
  const review = useReview();
  const { client } = useAuth();
  const qc = useQueryClient();
  const [text, setText] = useState("");
  const send = useMutation({
    mutationFn: () => client.sessions.send(s.id, text, { comments: review?.comments ?? [] }),
    onSuccess: (sent) => {
      for (let i = (review?.comments.length ?? 0) - 1; i >= 0; i--) review?.remove(i);
      setText("");
      qc.setQueryData(["session", s.id], sent.session);
    },
  });
  if (!review) return null;
  const n = review.comments.length;
  return (
    <div className="review-bar stack" data-review>
      <div className="muted">
        {n
          ? `${n} comment${n === 1 ? "" : "s"} on this diff.`
          : "Review: in the unified view, click a line number to comment on that line."}{" "}
        Request changes sends them to the agent as one message, each with its file, line and hunk.
      </div>
      {n > 0 && (
        <textarea
          rows={2}
          aria-label="Overall comment (optional)"
          placeholder="Overall comment (optional)"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
      )}
      {send.error ? <Problem error={send.error} /> : null}
      <div className="row">
        <Button variant="primary" disabled={!n || send.isPending} onClick={() => send.mutate()}>
          {send.isPending ? "Sending…" : `Request changes${n ? ` (${n})` : ""}`}
        </Button>
      </div>
    </div>
  );
}
