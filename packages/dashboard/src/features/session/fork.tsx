import { type CheckpointItem, Fork, type Session } from "@orchestrator/sdk";
import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { useNavigate } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Dialog } from "../../ui/dialog.tsx";
import { Field } from "../../ui/field.tsx";
import { Form, formErrors } from "../../ui/form.tsx";
import { Problem } from "../../ui/problem.tsx";

/**
 * Fork from a checkpoint: a new session on a new branch cut from the checkpoint's commit, carrying the
 * conversation up to there. A person names it and says what it should do from there (the original's
 * title and prompt to start from), and whether it starts now or waits to be started.
 */
export function ForkDialog({
  s,
  at,
  onClose,
}: {
  s: Session;
  at: CheckpointItem | null;
  onClose: () => void;
}) {
  const { client } = useAuth();
  const go = useNavigate();
  const [title, setTitle] = useState("");
  const [prompt, setPrompt] = useState("");
  const [start, setStart] = useState(true);
  const [tried, setTried] = useState(false);
  const fork = useMutation({
    mutationFn: (body: { seq: number; input: Fork }) => client.checkpoints.fork(s.id, body.seq, body.input),
    onSuccess: (row) => {
      onClose();
      void go(`/sessions/${row.id}`);
    },
  });
  const { reset } = fork;
  useEffect(() => {
    if (!at) return;
    setTitle(`${s.title} (fork)`);
    setPrompt(s.prompt);
    setStart(true);
    setTried(false);
    reset();
  }, [at, s.title, s.prompt, reset]);

  const parsed = Fork.safeParse({ title, prompt, hold: !start });
  const errors = formErrors(fork.error, parsed, () => tried);
  const submit = () => {
    setTried(true);
    if (parsed.success && at) fork.mutate({ seq: at.seq, input: parsed.data });
  };
  return (
    <Dialog
      open={at !== null}
      onClose={onClose}
      title={at ? `Fork from checkpoint #${at.seq}` : "Fork"}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="primary" form="fork-session" type="submit" disabled={fork.isPending}>
            {fork.isPending ? "Forking…" : start ? "Fork and start" : "Fork (held)"}
          </Button>
        </>
      }
    >
      {at && (
        <Form id="fork-session" onSubmit={submit}>
          <p className="muted" style={{ margin: 0 }}>
            A new session starts from commit <code>{at.commit.slice(0, 10)}</code> on a branch of its own,
            with the conversation up to that checkpoint. This session is not changed.
          </p>
          <Field label="Title" error={errors.at("title")}>
            <input value={title} onChange={(e) => setTitle(e.target.value)} maxLength={200} />
          </Field>
          <Field
            label="Prompt"
            error={errors.at("prompt")}
            hint="What the fork should do from there; the original's prompt to start from."
          >
            <textarea rows={6} value={prompt} onChange={(e) => setPrompt(e.target.value)} />
          </Field>
          <label className="row">
            <input type="checkbox" checked={start} onChange={(e) => setStart(e.target.checked)} />
            Start it now (otherwise it waits, pending, for Start)
          </label>
          {errors.general(["title", "prompt"]) ? <Problem error={fork.error} /> : null}
        </Form>
      )}
    </Dialog>
  );
}
