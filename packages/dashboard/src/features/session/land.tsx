import type { Session } from "@orchestrator/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useAuth } from "../../app/auth.tsx";
import { Land as Card } from "../land/land.tsx";

/** A finished session's Land card; a merge conflict offers to ask its agent to rebase. */
export function Land({ s }: { s: Session }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const branch = (s.result as { branch?: unknown } | null)?.branch;
  const rebase = useMutation({
    mutationFn: (v: { text: string; done: () => void }) => client.sessions.send(s.id, v.text),
    onSuccess: (sent, v) => {
      qc.setQueryData(["session", s.id], sent.session);
      v.done();
    },
  });
  if (typeof branch !== "string" || !["completed", "partially_completed"].includes(s.status)) return null;
  const t = {
    kind: "session" as const,
    id: s.id,
    branch,
    base: s.workspace?.ref ?? null,
    projectId: s.projectId,
  };
  return (
    <Card
      t={t}
      rebase={{
        ask: (text, done) => rebase.mutate({ text, done }),
        pending: rebase.isPending,
        error: rebase.error,
      }}
    />
  );
}
