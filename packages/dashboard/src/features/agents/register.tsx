import { Eap, vocabulary } from "@orchestrator/sdk";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Dialog } from "../../ui/dialog.tsx";
import { Field } from "../../ui/field.tsx";
import { Form, formErrors } from "../../ui/form.tsx";
import { Problem, issueFor } from "../../ui/problem.tsx";
import { Copy, Secret } from "../../ui/secret.tsx";

type Kind = "eap" | "a2a";

/** Connect an agent: an EAP agent gets its token once (with a ready SDK snippet); an A2A card is previewed first. */
export function Register({ open, onClose }: { open: boolean; onClose: () => void }) {
  const [kind, setKind] = useState<Kind>("eap");
  const [done, setDone] = useState<{
    r: Eap.Registered;
    name: string;
    capabilities: string[];
    mode: string;
  } | null>(null);
  const close = () => {
    setDone(null);
    onClose();
  };
  return (
    <Dialog
      open={open}
      onClose={close}
      title={done ? "Agent registered: save its credentials" : "Connect an agent"}
    >
      {done ? (
        <Credentials {...done} onClose={close} />
      ) : (
        <>
          <div className="chips" role="group" aria-label="Protocol">
            <button className="chip" aria-pressed={kind === "eap"} onClick={() => setKind("eap")}>
              EAP agent (token handshake)
            </button>
            <button className="chip" aria-pressed={kind === "a2a"} onClick={() => setKind("a2a")}>
              A2A agent (agent card)
            </button>
          </div>
          {kind === "eap" ? <EapForm onDone={setDone} /> : <A2aForm onDone={close} />}
        </>
      )}
    </Dialog>
  );
}

function EapForm({
  onDone,
}: {
  onDone: (d: { r: Eap.Registered; name: string; capabilities: string[]; mode: string }) => void;
}) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const [name, setName] = useState("");
  const [mode, setMode] = useState<"pull" | "push" | "stream">("pull");
  const [endpoint, setEndpoint] = useState("");
  const [caps, setCaps] = useState<string[]>([]);
  const [custom, setCustom] = useState("");
  const [capacity, setCapacity] = useState("4");
  const body = {
    name: name.trim(),
    mode,
    capacity: Number(capacity),
    capabilities: [...caps, ...custom.split(/[\s,]+/).filter(Boolean)],
    ...(endpoint.trim() ? { endpoint_url: endpoint.trim() } : {}),
  };
  const parsed = Eap.Register.safeParse(body);
  const reg = useMutation({
    mutationFn: () => client.agents.register(body),
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ["agents"] });
      onDone({ r, name: body.name, capabilities: body.capabilities, mode });
    },
  });
  const [tried, setTried] = useState(false);
  const errors = formErrors(reg.error, parsed, () => tried);
  const err = errors.at;
  return (
    <Form
      onSubmit={() => {
        setTried(true);
        if (parsed.success) reg.mutate();
      }}
    >
      <Field label="Name" error={err("name")} hint="Letters, digits and . _ -; unique in your tenant.">
        <input value={name} onChange={(e) => setName(e.target.value)} placeholder="my-agent" />
      </Field>
      <Field label="How it takes work" error={err("mode")}>
        <select value={mode} onChange={(e) => setMode(e.target.value as typeof mode)}>
          <option value="pull">pull — it long-polls for tasks (works behind NAT)</option>
          <option value="push">push — we POST signed tasks to its endpoint</option>
          <option value="stream">stream — one gRPC stream both ways</option>
        </select>
      </Field>
      <Field
        label="Endpoint URL"
        error={err("endpoint_url")}
        hint={mode === "push" ? "Required for push." : "Only push mode uses it."}
      >
        <input
          value={endpoint}
          onChange={(e) => setEndpoint(e.target.value)}
          placeholder="http://agent-host:8080/tasks"
        />
      </Field>
      <Field label="Capabilities" error={err("capabilities")} hint="Ctrl/⌘-click to pick several.">
        <select
          multiple
          size={6}
          value={caps}
          onChange={(e) => setCaps([...e.target.selectedOptions].map((o) => o.value))}
        >
          {Object.entries(vocabulary).map(([g, list]) => (
            <optgroup key={g} label={g}>
              {list.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </optgroup>
          ))}
        </select>
      </Field>
      <Field label="Custom capabilities" hint="Your own, spelled x-something, separated by spaces.">
        <input value={custom} onChange={(e) => setCustom(e.target.value)} placeholder="x-echo" />
      </Field>
      <Field label="Capacity" error={err("capacity")} hint="Sessions it may hold at once.">
        <input inputMode="numeric" value={capacity} onChange={(e) => setCapacity(e.target.value)} />
      </Field>
      {errors.general(["name", "capabilities", "endpoint_url", "capacity", "mode"]) ? (
        <Problem error={reg.error} />
      ) : null}
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <Button variant="primary" type="submit" disabled={reg.isPending}>
          {reg.isPending ? "Registering…" : "Register agent"}
        </Button>
      </div>
    </Form>
  );
}

function Credentials({
  r,
  name,
  capabilities,
  mode,
  onClose,
}: {
  r: Eap.Registered;
  name: string;
  capabilities: string[];
  mode: string;
  onClose: () => void;
}) {
  const url = window.location.origin;
  const creds = JSON.stringify({ agentId: r.agent_id, token: r.auth_token, secret: r.signing_secret });
  const snippet = `import { Agent, fromEnv } from "@orchestrator/agent-sdk";

// Run with the line above: fromEnv reads ORCHESTRATOR_URL, EAP_MODE and EAP_CREDENTIALS (agent.json).
const agent = new Agent(fromEnv({ name: ${JSON.stringify(name)}, capabilities: ${JSON.stringify(capabilities)} }));
agent.handle(async (task, ctx) => {
  await ctx.message(\`working on: \${task.input}\`);
  return { output: { done: true } };
});
await agent.start();`;
  const shell = `echo '${creds}' > agent.json && chmod 600 agent.json
ORCHESTRATOR_URL=${url} EAP_MODE=${mode} EAP_CREDENTIALS=agent.json npx tsx examples/echo-agent/index.ts`;
  return (
    <div className="stack" style={{ gap: 12 }}>
      <div className="error-box" style={{ borderColor: "var(--tone-queue)" }} role="note">
        <b style={{ color: "var(--tone-queue)" }}>Shown once.</b> Only hashes are stored: copy the token and
        secret now. Lost ones can be replaced with Rotate token on the agent's page.
      </div>
      <dl className="kv">
        <dt>agent id</dt>
        <dd>
          <code data-agent-id>{r.agent_id}</code>
        </dd>
        <dt>heartbeat</dt>
        <dd>
          every {r.heartbeat_interval_seconds}s; offline after {r.heartbeat_ttl_seconds}s of silence
        </dd>
      </dl>
      <Secret label="Auth token (X-Agent-Token)" value={r.auth_token} testid="token" />
      <Secret label="Signing secret (verifies pushed tasks)" value={r.signing_secret} testid="secret" />
      <div>
        <div className="spread">
          <span className="label">Run the example agent with these credentials</span>
          <Copy text={shell} />
        </div>
        <pre className="code">{shell}</pre>
      </div>
      <div>
        <div className="spread">
          <span className="label">Or in your own agent (TypeScript SDK)</span>
          <Copy text={snippet} />
        </div>
        <pre className="code">{snippet}</pre>
      </div>
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <Button variant="primary" onClick={onClose}>
          I saved them — close
        </Button>
      </div>
    </div>
  );
}

function A2aForm({ onDone }: { onDone: () => void }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const [cardUrl, setCardUrl] = useState("");
  const [capacity, setCapacity] = useState("4");
  const preview = useMutation({
    mutationFn: () => client.agents.preview(cardUrl.trim(), { capacity: Number(capacity) }),
  });
  const save = useMutation({
    mutationFn: () =>
      client.agents.create({ kind: "a2a", cardUrl: cardUrl.trim(), capacity: Number(capacity) }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["agents"] });
      onDone();
    },
  });
  const p = preview.data;
  const fieldErr = issueFor(preview.error, "cardUrl") ?? issueFor(save.error, "cardUrl");
  return (
    <Form
      onSubmit={() => {
        save.reset();
        preview.mutate();
      }}
    >
      <Field label="Agent card URL" error={fieldErr} hint="Usually https://host/.well-known/agent-card.json">
        <input
          value={cardUrl}
          onChange={(e) => {
            setCardUrl(e.target.value);
            preview.reset();
          }}
          placeholder="https://agent.example/.well-known/agent-card.json"
        />
      </Field>
      <Field label="Capacity" error={issueFor(preview.error, "capacity")}>
        <input inputMode="numeric" value={capacity} onChange={(e) => setCapacity(e.target.value)} />
      </Field>
      {preview.error && !fieldErr ? <Problem error={preview.error} /> : null}
      {p && (
        <section className="card" aria-label="Card preview" data-preview>
          <div className="body stack" style={{ gap: 6 }}>
            <div className="row">
              <b style={{ fontSize: 15 }}>{p.name}</b> <span className="muted">v{p.version}</span>
              <span className="badge tone-idle">A2A {p.protocolVersion}</span>
              {p.streaming && <span className="badge tone-done">streaming</span>}
              {p.pushNotifications && <span className="badge tone-done">push</span>}
            </div>
            {p.nameTaken && (
              <div className="tone-bad">
                An agent named {p.name} is registered already: saving will be refused.
              </div>
            )}
            <div className="muted">{p.description}</div>
            <div>
              calls <code>{p.url}</code>
            </div>
            <div className="label">Skills → capabilities</div>
            <ul style={{ margin: 0, paddingLeft: 18 }}>
              {p.skills.map((s) => (
                <li key={s.id}>
                  {s.name} <span className="muted">{s.tags.join(", ")}</span>
                </li>
              ))}
            </ul>
            <div className="chips">
              {p.capabilities.map((c) => (
                <span key={c} className="badge tone-idle">
                  {c}
                </span>
              ))}
            </div>
          </div>
        </section>
      )}
      {save.error && !issueFor(save.error, "cardUrl") ? <Problem error={save.error} /> : null}
      <div className="row" style={{ justifyContent: "flex-end" }}>
        <Button type="submit" disabled={!cardUrl.trim() || preview.isPending}>
          {preview.isPending ? "Fetching card…" : "Preview"}
        </Button>
        <Button
          variant="primary"
          disabled={!p || p.nameTaken || save.isPending}
          onClick={() => save.mutate()}
        >
          {save.isPending ? "Saving…" : "Register"}
        </Button>
      </div>
    </Form>
  );
}
