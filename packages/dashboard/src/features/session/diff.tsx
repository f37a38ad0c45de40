import {
  type Diff,
  type FilePatch,
  type Hunk,
  type Line,
  type Session,
  WorkspaceResult,
  parsePatch,
  splitRows,
  terminal,
} from "@orchestrator/sdk";
import { Fragment, type ReactNode, useMemo, useState } from "react";
import { Button } from "../../ui/button.tsx";
import { Card } from "../../ui/card.tsx";
import { count } from "../../ui/count.ts";
import { LineComments, LineNo, RequestChanges, ReviewProvider } from "./review.tsx";
import { RoundBar, useRoundDiff, useRounds } from "./rounds.tsx";

/**
 * What the session changed: a file list, and each file's patch in a unified or a split view. A finished
 * session's diff takes review comments on its lines, sent to the agent as one follow-up.
 */
export function DiffView({ s }: { s: Session }) {
  const result = WorkspaceResult.safeParse(s.result);
  const ended = terminal.includes(s.status);
  const [round, setRound] = useState<number | null>(null);
  const rounds = useRounds(s, result.success && ended);
  const picked = useRoundDiff(s.id, round);
  if (!result.success) return null;
  const { diff, branch } = result.data;
  // One round alone is the whole diff: the picker shows once a follow-up made a second.
  const bar =
    rounds.data && rounds.data.length > 1 ? (
      <RoundBar rounds={rounds.data} round={round} onPick={setRound} />
    ) : null;
  // A round's diff is for reading; comments go on the whole diff, where their lines are the branch's.
  if (round !== null)
    return (
      <Changes
        diff={picked.data ?? { files: [], additions: 0, deletions: 0, patch: "" }}
        branch={branch}
        header={bar}
        empty={picked.isPending ? "Loading this round's changes…" : "This round changed no files."}
      />
    );
  if (s.planId || !ended || !diff.files.length) return <Changes diff={diff} branch={branch} header={bar} />;
  return (
    <ReviewProvider>
      <Changes diff={diff} branch={branch} header={bar} footer={<RequestChanges s={s} />} />
    </ReviewProvider>
  );
}

/** A diff (a session's, a plan's integration) as the Changes card: its files and each file's patch. */
export function Changes({
  diff: d,
  branch,
  empty,
  header,
  footer,
}: {
  diff: Diff;
  branch?: string;
  empty?: string;
  /** Above the files: the session's rounds, when it has more than one. */
  header?: ReactNode;
  footer?: ReactNode;
}) {
  const files = useMemo(() => parsePatch(d.patch), [d.patch]);
  const [view, setView] = useState<"unified" | "split">("unified");
  const [open, setOpen] = useState<string | null>(null);
  const shown = files.find((f) => f.file === open) ?? files[0];
  const changed = d.files.length > 0;
  return (
    <Card
      title={
        <>
          Changes · {count(d.files.length, "file")} ·{" "}
          <span className="nowrap">
            +{d.additions} −{d.deletions}
          </span>
        </>
      }
      id="diff"
      pad={false}
      action={
        // Views of a patch: nothing to offer when there is none.
        changed && (
          <div className="row nowrap" role="group" aria-label="Diff view">
            <Button size="sm" aria-pressed={view === "unified"} onClick={() => setView("unified")}>
              Unified
            </Button>
            <Button size="sm" aria-pressed={view === "split"} onClick={() => setView("split")}>
              Split
            </Button>
          </div>
        )
      }
    >
      {branch && (
        <div className="diff-branch muted">
          branch <code>{branch}</code>
        </div>
      )}
      {header}
      {!changed ? (
        <div className="body muted">{empty ?? "The session changed no files."}</div>
      ) : (
        <div className="diff">
          <ul className="diff-files" aria-label="Changed files">
            {d.files.map((f) => (
              <li key={f.file}>
                <button
                  className="chip"
                  aria-pressed={shown?.file === f.file}
                  onClick={() => setOpen(f.file)}
                  style={{ width: "100%", textAlign: "left", textTransform: "none" }}
                >
                  {f.file} <span className="tone-run">+{f.additions}</span>{" "}
                  <span className="tone-bad">−{f.deletions}</span>
                </button>
              </li>
            ))}
          </ul>
          <div className="diff-body">{shown && <FileDiff f={shown} view={view} />}</div>
        </div>
      )}
      {footer}
    </Card>
  );
}

/** A patch as the Changes card shows a file, unified: what an edit a person is asked to allow would do. */
export function PatchView({ patch }: { patch: string }) {
  const files = useMemo(() => parsePatch(patch), [patch]);
  return (
    <div className="diff-body patch" data-patch>
      {files.map((f) => (
        <FileDiff key={f.file} f={f} view="unified" />
      ))}
    </div>
  );
}

function FileDiff({ f, view }: { f: FilePatch; view: "unified" | "split" }) {
  return (
    <div data-file={f.file}>
      <div className="label" style={{ padding: "8px 10px" }}>
        {f.status} · {f.from && f.to && f.from !== f.to ? `${f.from} → ${f.to}` : f.file}
      </div>
      {f.binary && (
        <div className="muted" style={{ padding: 10 }}>
          binary file
        </div>
      )}
      {f.hunks.map((h, i) =>
        view === "unified" ? <Unified key={i} h={h} file={f.file} /> : <Split key={i} h={h} />,
      )}
    </div>
  );
}

const mark = { add: "+", del: "-", context: " " } as const;

function Unified({ h, file }: { h: Hunk; file: string }) {
  return (
    <table className="code-t">
      <tbody>
        <tr className="hunk">
          <td colSpan={3}>{h.header}</td>
        </tr>
        {h.lines.map((l, i) => (
          <Fragment key={i}>
            <tr className={`ln-${l.kind}`}>
              <td className="no">
                {l.kind === "del" ? (
                  <LineNo file={file} l={l}>
                    {l.old}
                  </LineNo>
                ) : (
                  (l.old ?? "")
                )}
              </td>
              <td className="no">
                {l.kind !== "del" ? (
                  <LineNo file={file} l={l}>
                    {l.new}
                  </LineNo>
                ) : (
                  ""
                )}
              </td>
              <td className="src">
                {mark[l.kind]}
                {l.text}
              </td>
            </tr>
            <LineComments file={file} l={l} span={3} />
          </Fragment>
        ))}
      </tbody>
    </table>
  );
}

function Split({ h }: { h: Hunk }) {
  const cell = (l: Line | null, side: "old" | "new") =>
    l ? (
      <>
        <td className="no">{l[side]}</td>
        <td className={`src ln-${l.kind}`}>{l.text}</td>
      </>
    ) : (
      <>
        <td className="no" />
        <td className="src ln-none" />
      </>
    );
  return (
    <table className="code-t split">
      <tbody>
        <tr className="hunk">
          <td colSpan={4}>{h.header}</td>
        </tr>
        {splitRows(h).map((r, i) => (
          <tr key={i}>
            {cell(r.left, "old")}
            {cell(r.right, "new")}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
