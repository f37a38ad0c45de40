import type { Delivery, NewWebhook, Webhook } from "@orchestrator/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useSearchParams } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Card, Empty, PageHead } from "../../ui/card.tsx";
import { Dialog } from "../../ui/dialog.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";
import { AddWebhook, SecretShown } from "./add.tsx";

const tone: Record<Delivery["status"], string> = { pending: "queue", delivered: "run", failed: "bad" };

function DeliveryBadge({ status }: { status: Delivery["status"] }) {
  return (
    <span className={`badge tone-${tone[status]}`} data-delivery={status}>
      <span className="dot" aria-hidden="true" />
      {status}
    </span>
  );
}

/** The tenant's webhooks (admins only): add one, see how its deliveries went, test, rotate, pause, remove. */
export function Page() {
  const { client, me } = useAuth();
  const [params, setParams] = useSearchParams();
  const [adding, setAdding] = useState(false);
  const admin = me.role === "admin";
  const hooks = useQuery({
    queryKey: ["webhooks"],
    queryFn: () => client.webhooks.list(),
    refetchInterval: 5_000,
    enabled: admin,
  });
  const picked = hooks.data?.find((w) => w.id === params.get("w")) ?? hooks.data?.[0];
  return (
    <>
      <PageHead
        title="Webhooks"
        sub="Session and plan events POSTed to your URL, signed and retried: route them to your team's chat."
      >
        {admin && (
          <Button variant="primary" onClick={() => setAdding(true)}>
            + Add webhook
          </Button>
        )}
      </PageHead>
      {!admin && <Empty>Webhooks are managed with an admin key; this key is {me.role}.</Empty>}
      {hooks.error ? <Problem error={hooks.error} /> : null}
      {hooks.data?.length === 0 && <Empty>No webhooks yet: add one to hear about sessions and plans</Empty>}
      {picked && (
        <div className="grid-2 list-first">
          <Card title="Webhooks" id="hooks" pad={false}>
            <ul className="feed">
              {hooks.data?.map((w) => (
                <li key={w.id}>
                  <button
                    className="chip grow"
                    style={{ textAlign: "left", textTransform: "none" }}
                    aria-pressed={w.id === picked.id}
                    onClick={() => setParams({ w: w.id }, { replace: true })}
                  >
                    {w.description || w.url}
                    <div className="muted" style={{ fontWeight: 400 }}>
                      {w.active ? "on" : "off"} · {w.events.length} events
                      {w.failed ? ` · ${w.failed} failed today` : ""}
                    </div>
                  </button>
                </li>
              ))}
            </ul>
          </Card>
          <Detail w={picked} />
        </div>
      )}
      <AddWebhook open={adding} onClose={() => setAdding(false)} onAdded={(id) => setParams({ w: id })} />
    </>
  );
}

function Detail({ w }: { w: Webhook }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const [secret, setSecret] = useState<NewWebhook | null>(null);
  const [removing, setRemoving] = useState(false);
  const refresh = () => void qc.invalidateQueries({ queryKey: ["webhooks"] });
  const deliveries = useQuery({
    queryKey: ["webhooks", w.id, "deliveries"],
    queryFn: () => client.webhooks.deliveries(w.id, { limit: 50 }),
    refetchInterval: 3_000,
  });
  const ping = useMutation({ mutationFn: () => client.webhooks.ping(w.id), onSettled: refresh });
  const rotate = useMutation({ mutationFn: () => client.webhooks.rotate(w.id), onSuccess: setSecret });
  const toggle = useMutation({
    mutationFn: () => client.webhooks.update(w.id, { active: !w.active }),
    onSuccess: refresh,
  });
  const remove = useMutation({
    mutationFn: () => client.webhooks.remove(w.id),
    onSuccess: () => {
      setRemoving(false);
      refresh();
    },
  });
  const tested = ping.data;
  return (
    <Card title={w.description || "Webhook"} id="hook" pad={false}>
      <div className="body stack">
        <dl className="kv">
          <dt>url</dt>
          <dd>
            <code>{w.url}</code>
          </dd>
          <dt>events</dt>
          <dd>{w.events.join(", ")}</dd>
          <dt>state</dt>
          <dd>{w.active ? "on: events are sent" : "off: nothing new is sent"}</dd>
          <dt>added</dt>
          <dd>
            <Ago at={w.createdAt} />
          </dd>
        </dl>
        <div className="row">
          <Button onClick={() => ping.mutate()} disabled={ping.isPending}>
            {ping.isPending ? "Sending…" : "Send test"}
          </Button>
          <Button onClick={() => toggle.mutate()} disabled={toggle.isPending}>
            {w.active ? "Pause" : "Resume"}
          </Button>
          <Button onClick={() => rotate.mutate()} disabled={rotate.isPending}>
            Rotate secret
          </Button>
          <Button variant="danger" onClick={() => setRemoving(true)}>
            Remove
          </Button>
        </div>
        <div aria-live="polite" data-test-result>
          {tested &&
            (tested.status === "delivered" ? (
              <span className="tone-run">Test delivered: HTTP {tested.lastStatus}</span>
            ) : (
              <span className="tone-bad">Test not delivered: {tested.lastError}</span>
            ))}
        </div>
        {[ping.error, toggle.error, rotate.error].map((e, i) => (e ? <Problem key={i} error={e} /> : null))}
      </div>
      {deliveries.error ? <Problem error={deliveries.error} /> : null}
      <div className="scroll-x">
        <table className="t cards" aria-label="Deliveries">
          <thead>
            <tr>
              <th>Status</th>
              <th className="text">Event</th>
              <th>Attempt</th>
              <th>HTTP</th>
              <th>When</th>
              <th className="text">Note</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data?.map((d) => (
              <tr key={d.id}>
                <td data-label="Status">
                  <DeliveryBadge status={d.status} />
                </td>
                <td data-label="Event">
                  <code>{d.event}</code>
                </td>
                <td data-label="Attempt">
                  {d.attempt}/{d.maxAttempts}
                </td>
                <td data-label="HTTP">{d.lastStatus ?? "–"}</td>
                <td data-label="When" style={{ whiteSpace: "nowrap" }}>
                  <Ago at={d.createdAt} />
                </td>
                <td data-label="Note" className="muted">
                  {d.status === "pending" && d.nextAt ? (
                    <>
                      next attempt <Ago at={d.nextAt} future />
                    </>
                  ) : (
                    (d.lastError ?? "")
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {deliveries.data?.length === 0 && <div className="body muted">Nothing sent yet: try Send test.</div>}
      <Dialog
        open={secret !== null}
        onClose={() => setSecret(null)}
        title="New signing secret"
        footer={
          <Button variant="primary" onClick={() => setSecret(null)}>
            Done
          </Button>
        }
      >
        {secret && <SecretShown secret={secret.secret} />}
      </Dialog>
      <Dialog
        open={removing}
        onClose={() => setRemoving(false)}
        title="Remove this webhook?"
        footer={
          <>
            <Button onClick={() => setRemoving(false)}>Keep it</Button>
            <Button variant="danger" onClick={() => remove.mutate()} disabled={remove.isPending}>
              Remove
            </Button>
          </>
        }
      >
        <p>
          Nothing more is sent to <code>{w.url}</code>, and its delivery history goes with it.
        </p>
        {remove.error ? <Problem error={remove.error} /> : null}
      </Dialog>
    </Card>
  );
}
