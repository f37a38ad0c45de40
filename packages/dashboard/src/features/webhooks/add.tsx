import { CreateWebhook, type NewWebhook, WebhookEvent, webhookEvents } from "@orchestrator/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Dialog } from "../../ui/dialog.tsx";
import { Field } from "../../ui/field.tsx";
import { Form, formErrors } from "../../ui/form.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Secret } from "../../ui/secret.tsx";

/** Register a webhook; on success the dialog shows its signing secret, once, and how to check it. */
export function AddWebhook({
  open,
  onClose,
  onAdded,
}: {
  open: boolean;
  onClose: () => void;
  onAdded: (id: string) => void;
}) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const blank = { url: "", description: "", events: ["session.waiting", "session.failed"] as WebhookEvent[] };
  const [f, setF] = useState(blank);
  const [tried, setTried] = useState(false);
  const [made, setMade] = useState<NewWebhook | null>(null);
  const body = { url: f.url.trim(), description: f.description.trim(), events: f.events };
  const parsed = CreateWebhook.safeParse(body);
  const add = useMutation({
    mutationFn: () => client.webhooks.create(body),
    onSuccess: (w) => {
      void qc.invalidateQueries({ queryKey: ["webhooks"] });
      setMade(w);
      onAdded(w.id);
    },
  });
  const errors = formErrors(add.error, parsed, () => tried);
  const close = () => {
    add.reset();
    setMade(null);
    setF(blank);
    setTried(false);
    onClose();
  };
  const toggle = (e: WebhookEvent) =>
    setF({ ...f, events: f.events.includes(e) ? f.events.filter((x) => x !== e) : [...f.events, e] });
  return (
    <Dialog
      open={open}
      onClose={close}
      title={made ? "Webhook added: save its secret" : "Add a webhook"}
      footer={
        made ? (
          <Button variant="primary" onClick={close}>
            Done
          </Button>
        ) : (
          <>
            <Button onClick={close}>Cancel</Button>
            <Button variant="primary" type="submit" form="add-webhook" disabled={add.isPending}>
              {add.isPending ? "Adding…" : "Add webhook"}
            </Button>
          </>
        )
      }
    >
      {made ? (
        <SecretShown secret={made.secret} />
      ) : (
        <Form
          id="add-webhook"
          onSubmit={() => {
            setTried(true);
            if (parsed.success) add.mutate();
          }}
        >
          <Field
            label="URL"
            error={errors.at("url")}
            hint="We POST JSON here, signed. Addresses inside your network are refused unless the operator allows them."
          >
            <input
              value={f.url}
              onChange={(e) => setF({ ...f, url: e.target.value })}
              placeholder="https://hooks.example.com/orchestrator"
            />
          </Field>
          <Field
            label="Description"
            error={errors.at("description")}
            hint="What it is for, e.g. #team-agents."
          >
            <input value={f.description} onChange={(e) => setF({ ...f, description: e.target.value })} />
          </Field>
          <fieldset className="stack" style={{ gap: 6 }}>
            <legend className="label">Events</legend>
            {WebhookEvent.options.map((e) => (
              <label key={e} className="row">
                <input type="checkbox" checked={f.events.includes(e)} onChange={() => toggle(e)} />
                <code>{e}</code>
                <span className="muted">{webhookEvents[e]}</span>
              </label>
            ))}
            {errors.at("events") && (
              <span className="err" role="alert">
                {errors.at("events")}
              </span>
            )}
          </fieldset>
          {errors.general(["url", "description", "events"]) ? <Problem error={add.error} /> : null}
        </Form>
      )}
    </Dialog>
  );
}

/** A signing secret, just made: shown this once, with how a receiver checks a delivery's signature. */
export function SecretShown({ secret }: { secret: string }) {
  return (
    <div className="stack" style={{ gap: 12 }}>
      <div className="error-box" style={{ borderColor: "var(--tone-queue)" }} role="note">
        <b style={{ color: "var(--tone-queue)" }}>Shown once.</b> Copy the signing secret now; it is never
        shown again. Lost, it can be replaced with Rotate secret.
      </div>
      <Secret label="Signing secret" value={secret} testid="webhook" />
      <p className="muted">
        Each delivery carries <code>X-Orchestrator-Signature: t=…,v1=…</code>: HMAC-SHA256 of{" "}
        <code>t + "." + body</code> with this secret. <a href="/docs">API docs</a>; details and a verification
        snippet in docs/webhooks.md.
      </p>
    </div>
  );
}
