import { type CheckpointItem, type Session, rewindable } from "@orchestrator/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useLocation } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Card, Empty } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";
import { ForkDialog } from "./fork.tsx";

/**
 * Recovery points, newest first: restore rewinds this session; fork starts a new one from the point. A
 * link to `#checkpoint-<seq>` (a fork's "forked from") scrolls to that checkpoint and marks it.
 */
export function Checkpoints({ s }: { s: Session }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const { hash } = useLocation();
  const [forking, setForking] = useState<CheckpointItem | null>(null);
  const list = useQuery({
    queryKey: ["session", s.id, "checkpoints", s.lastSeq],
    queryFn: () => client.checkpoints.list(s.id),
    enabled: s.workspace !== null,
  });
  const restore = useMutation({
    mutationFn: (seq: number) => client.checkpoints.restore(s.id, seq),
    onSuccess: (row) => {
      qc.setQueryData(["session", s.id], row);
      void qc.invalidateQueries({ queryKey: ["session", s.id] });
    },
  });
  const canRestore = rewindable.includes(s.status);
  const items = [...(list.data ?? [])].reverse();
  const shown = list.data !== undefined;
  useEffect(() => {
    if (shown && hash.startsWith("#checkpoint-"))
      document.getElementById(hash.slice(1))?.scrollIntoView({ block: "center" });
  }, [shown, hash]);
  return (
    <Card title={`Checkpoints · ${items.length}`} id="checkpoints" pad={false}>
      {s.workspace === null && (
        <div className="body muted">This session has no workspace, so there is nothing to rewind.</div>
      )}
      {list.data && items.length === 0 && (
        <div className="body">
          <Empty>No checkpoints yet</Empty>
        </div>
      )}
      {list.error ? <Problem error={list.error} /> : null}
      <ol className="feed">
        {items.map((c) => (
          <li
            key={c.seq}
            id={`checkpoint-${c.seq}`}
            data-checkpoint={c.seq}
            data-target={hash === `#checkpoint-${c.seq}` || undefined}
          >
            <span className="tone-done" aria-hidden="true">
              ◆
            </span>
            <span className="grow">
              #{c.seq} <code className="muted">{c.commit.slice(0, 10)}</code>
              {c.current && (
                <span className="badge tone-run" style={{ marginLeft: 6 }}>
                  current
                </span>
              )}
              <div className="muted" style={{ fontSize: 11 }}>
                <Ago at={c.at} />
              </div>
            </span>
            <Button
              size="sm"
              disabled={!canRestore || restore.isPending}
              title={
                canRestore
                  ? "rewind the worktree and conversation to here"
                  : `restore needs the session paused or ended (it is ${s.status})`
              }
              onClick={() => restore.mutate(c.seq)}
            >
              Restore
            </Button>
            <Button size="sm" onClick={() => setForking(c)} title="a new session from this point">
              Fork…
            </Button>
          </li>
        ))}
      </ol>
      {restore.error ? <Problem error={restore.error} /> : null}
      <ForkDialog s={s} at={forking} onClose={() => setForking(null)} />
    </Card>
  );
}
