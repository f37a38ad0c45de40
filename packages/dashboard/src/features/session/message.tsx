import { type Session, terminal } from "@orchestrator/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Card } from "../../ui/card.tsx";
import { Field } from "../../ui/field.tsx";
import { Problem } from "../../ui/problem.tsx";

/**
 * Tell the agent more: a follow-up to an ended session opens a new round on the same branch and
 * conversation (docs/conversation.md). While the session runs the box says why it waits: delivery to a
 * running agent is not built yet. The server refuses what it cannot do (a plan's task, another agent
 * kind) in words, shown here.
 */
export function FollowUp({ s }: { s: Session }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const [text, setText] = useState("");
  const ended = terminal.includes(s.status);
  const send = useMutation({
    mutationFn: () => client.sessions.send(s.id, text),
    onSuccess: (sent) => {
      setText("");
      qc.setQueryData(["session", s.id], sent.session);
      void qc.invalidateQueries({ queryKey: ["sessions"] });
    },
  });
  return (
    <Card title="Follow up" id="follow-up">
      <form
        className="stack"
        data-follow-up
        onSubmit={(e) => {
          e.preventDefault();
          if (ended && text.trim()) send.mutate();
        }}
      >
        <Field
          label="Message to the agent"
          hint={
            ended
              ? "It continues this conversation on the same branch, with your message as its next prompt."
              : `The session is ${s.status}: messages reach it once it has ended (delivery while it runs is not built yet).`
          }
        >
          <textarea
            rows={3}
            value={text}
            disabled={!ended || send.isPending}
            placeholder={ended ? "e.g. Use the existing helper instead, and add a test" : undefined}
            onChange={(e) => setText(e.target.value)}
          />
        </Field>
        {send.error ? <Problem error={send.error} /> : null}
        <div className="row">
          <Button type="submit" variant="primary" disabled={!ended || !text.trim() || send.isPending}>
            {send.isPending ? "Sending…" : "Send"}
          </Button>
        </div>
      </form>
    </Card>
  );
}
