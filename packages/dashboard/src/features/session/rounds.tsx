import type { Round, Session } from "@orchestrator/sdk";
import { useQuery } from "@tanstack/react-query";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { count } from "../../ui/count.ts";
import { useWho } from "./who.ts";

/** The session's rounds (its first run, then one per follow-up), read again whenever the session changes. */
export function useRounds(s: Session, on: boolean) {
  const { client } = useAuth();
  return useQuery({
    queryKey: ["rounds", s.id, s.updatedAt],
    queryFn: () => client.sessions.rounds(s.id),
    enabled: on,
  });
}

/** What one round changed; an ended round's span of the branch does not move, so it is kept. */
export function useRoundDiff(id: string, round: number | null) {
  const { client } = useAuth();
  return useQuery({
    queryKey: ["round-diff", id, round],
    queryFn: () => client.sessions.diff(id, { round: round! }),
    enabled: round !== null,
    staleTime: Infinity,
  });
}

/**
 * Pick all the session's changes or one round's; the picked round says how it began (the first run, or
 * who reopened the session and with what) and how it ended.
 */
export function RoundBar({
  rounds,
  round,
  onPick,
}: {
  rounds: Round[];
  round: number | null;
  onPick: (n: number | null) => void;
}) {
  const who = useWho();
  const r = rounds.find((x) => x.round === round);
  return (
    <div className="diff-rounds stack" data-rounds>
      <div className="row" role="group" aria-label="Rounds">
        <Button size="sm" aria-pressed={round === null} onClick={() => onPick(null)}>
          All rounds
        </Button>
        {rounds.map((x) => (
          <Button
            key={x.round}
            size="sm"
            aria-pressed={round === x.round}
            onClick={() => onPick(x.round)}
            title={`${count(x.files, "file")} · +${x.additions} −${x.deletions}`}
          >
            Round {x.round}{" "}
            <span className="nowrap">
              <span className="tone-run">+{x.additions}</span>{" "}
              <span className="tone-bad">−{x.deletions}</span>
            </span>
          </Button>
        ))}
      </div>
      {r ? (
        <div className="muted" data-round-caption>
          {r.openedBy ? (
            <>
              Round {r.round}, opened by {who(r.openedBy.author)}: “{clip(r.openedBy.text)}”
              {r.openedBy.comments ? ` (${count(r.openedBy.comments, "review comment")})` : ""}
            </>
          ) : r.round === 1 ? (
            <>Round 1: the first run</>
          ) : (
            <>Round {r.round}: the session ran again</>
          )}
          {" · "}
          {r.status ? `ended ${r.status.replace("_", " ")}` : "running"} ·{" "}
          <code>
            {r.from.slice(0, 7)}..{r.to.slice(0, 7)}
          </code>
        </div>
      ) : (
        <div className="muted">
          {count(rounds.length, "round")} on this branch: pick one to see only what it changed.
        </div>
      )}
    </div>
  );
}

const clip = (s: string) => {
  const line = s.trim().split("\n")[0] ?? "";
  return line.length > 120 ? `${line.slice(0, 119)}…` : line;
};
