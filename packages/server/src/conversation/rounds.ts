import { terminal } from "@orchestrator/sdk";

/** A log entry as rounds are read from it: status changes, checkpoints, restores and people's messages. */
export interface Entry {
  type: string;
  at: string;
  data: Record<string, unknown>;
}

/** A round's span of the branch and how it began and ended, before its diff is counted. */
export interface Span {
  round: number;
  from: string;
  to: string;
  status: string | null;
  startedAt: string;
  endedAt: string | null;
  openedBy: { author: string; text: string; comments: number } | null;
}

const ended = (s: unknown) => terminal.includes(s as never);
const commitOf = (v: unknown) =>
  v && typeof v === "object" && typeof (v as { commit?: unknown }).commit === "string"
    ? (v as { commit: string }).commit
    : null;

/**
 * Split a session's log into rounds. A round ends when the session reaches an end state; a status change
 * out of an end state (a follow-up, a retry, a restore) opens the next, and the first message after it is
 * what opened it. The branch's tip is the last checkpoint's commit (or a restore's); a round runs from the
 * previous round's tip (the base for the first) to the tip at its end. Pure: the log in, the spans out.
 */
export function split(base: string, log: readonly Entry[]): Span[] {
  const out: Span[] = [];
  let tip = base;
  let open: Span | null = null;
  let waitingFor = false;
  for (const e of log) {
    const d = e.data;
    if (e.type === "session.checkpoint") tip = commitOf(d.data) ?? tip;
    else if (e.type === "session.restored") tip = commitOf(d) ?? tip;
    else if (e.type === "session.message" && open && waitingFor) {
      open.openedBy = {
        author: String(d.author ?? ""),
        text: String(d.text ?? ""),
        comments: typeof d.comments === "number" ? d.comments : 0,
      };
      waitingFor = false;
    } else if (
      e.type === "session.created" ||
      (e.type === "session.status" && ended(d.from) && !ended(d.to))
    ) {
      if (open) continue; // a second opening before an end (created, then a status change): the same round
      const from = out.at(-1)?.to ?? base;
      open = {
        round: out.length + 1,
        from,
        to: from,
        status: null,
        startedAt: e.at,
        endedAt: null,
        openedBy: null,
      };
      waitingFor = out.length > 0;
    }
    if (e.type === "session.status" && ended(d.to) && !ended(d.from) && open) {
      out.push({ ...open, to: tip, status: String(d.to), endedAt: e.at });
      open = null;
      waitingFor = false;
    }
  }
  if (open) out.push({ ...open, to: tip });
  return out;
}
