import { type Session, terminal } from "@orchestrator/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Card } from "../../ui/card.tsx";
import { Field } from "../../ui/field.tsx";
import { Problem } from "../../ui/problem.tsx";

/**
 * Tell the agent more (docs/conversation.md): a running OpenCode agent reads the message at its next turn,
 * or at once with "Steer" (its current turn stops); an external agent (EAP, A2A) as it comes; an ended
 * session starts a new round with the same agent. The server refuses what it cannot do (a plan's task,
 * the scripted test agent, steering while a person is asked) in words, shown here.
 */
export function FollowUp({ s }: { s: Session }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const [text, setText] = useState("");
  const [steer, setSteer] = useState(false);
  const ended = terminal.includes(s.status);
  // The same query as the header's: the agent's kind says whether a turn can be stopped.
  const agents = useQuery({ queryKey: ["agents"], queryFn: () => client.agents.list(), staleTime: 30_000 });
  const kind = agents.data?.find((a) => a.id === s.agentId)?.kind;
  const external = kind === "eap" || kind === "a2a";
  const canSteer = (s.status === "running" || s.status === "degraded") && kind === "opencode";
  const send = useMutation({
    mutationFn: () => client.sessions.send(s.id, text, { steer: canSteer && steer }),
    onSuccess: (sent) => {
      setText("");
      setSteer(false);
      qc.setQueryData(["session", s.id], sent.session);
      void qc.invalidateQueries({ queryKey: ["sessions"] });
    },
  });
  const hint = ended
    ? external
      ? "It opens a new round with the same agent, with your message as its prompt."
      : "It continues this conversation on the same branch, with your message as its next prompt."
    : s.status === "waiting"
      ? "The agent waits for a person's answer above; it reads your message at its next turn."
      : external && s.status !== "queued" && s.status !== "pending"
        ? "The external agent gets it as it works (an A2A agent: a message on its task)."
        : canSteer
          ? "The agent reads it at its next turn. Steer stops the current turn and makes it the next prompt."
          : `The session is ${s.status}: the agent reads your message when its run starts.`;
  return (
    <Card title={ended ? "Follow up" : "Message the agent"} id="follow-up">
      <form
        className="stack"
        data-follow-up
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) send.mutate();
        }}
      >
        <Field label="Message to the agent" hint={hint}>
          <textarea
            rows={3}
            value={text}
            disabled={send.isPending}
            placeholder="e.g. Use the existing helper instead, and add a test"
            onChange={(e) => setText(e.target.value)}
          />
        </Field>
        {canSteer ? (
          <label className="choice">
            <input type="checkbox" checked={steer} onChange={(e) => setSteer(e.target.checked)} />
            Steer: stop the current turn and make this the next prompt
          </label>
        ) : null}
        {send.error ? <Problem error={send.error} /> : null}
        <div className="row">
          <Button type="submit" variant="primary" disabled={!text.trim() || send.isPending}>
            {send.isPending ? "Sending…" : canSteer && steer ? "Steer" : "Send"}
          </Button>
        </div>
      </form>
    </Card>
  );
}
