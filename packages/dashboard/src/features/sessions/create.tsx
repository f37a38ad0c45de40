import { Create, type Priority, Priority as PriorityEnum } from "@orchestrator/sdk";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useNavigate } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { Button } from "../../ui/button.tsx";
import { Dialog } from "../../ui/dialog.tsx";
import { Field } from "../../ui/field.tsx";
import { Form as FormBox, formErrors } from "../../ui/form.tsx";
import { Problem } from "../../ui/problem.tsx";
import { CapabilityPicker } from "./capabilities.tsx";

interface Form {
  title: string;
  prompt: string;
  project: string;
  route: "profile" | "capabilities";
  profile: string;
  capabilities: string[];
  priority: Priority;
  minutes: string;
}
const blank: Form = {
  title: "",
  prompt: "",
  project: "",
  route: "profile",
  profile: "",
  capabilities: [],
  priority: "medium",
  minutes: "60",
};

/** The body the form describes, checked with the SDK's own schema (the one the server checks with). */
function toBody(f: Form) {
  return Create.safeParse({
    title: f.title,
    prompt: f.prompt,
    priority: f.priority,
    maxDurationSec: f.minutes.trim() === "" ? undefined : Number(f.minutes) * 60,
    ...(f.project ? { project: f.project } : {}),
    ...(f.route === "profile" && f.profile ? { profile: f.profile } : {}),
    ...(f.route === "capabilities" ? { capabilities: f.capabilities } : {}),
  });
}

export function CreateSession({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { client } = useAuth();
  const qc = useQueryClient();
  const go = useNavigate();
  const [f, setF] = useState<Form>(blank);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const projects = useQuery({ queryKey: ["projects"], queryFn: () => client.projects.list(), enabled: open });
  const profiles = useQuery({ queryKey: ["profiles"], queryFn: () => client.profiles.list(), enabled: open });
  const agents = useQuery({ queryKey: ["agents"], queryFn: () => client.agents.list(), enabled: open });
  const create = useMutation({
    mutationFn: (body: Create) => client.sessions.create(body),
    onSuccess: (s) => {
      void qc.invalidateQueries({ queryKey: ["sessions"] });
      setF(blank);
      setTouched(new Set());
      onClose();
      void go(`/sessions/${s.id}`);
    },
  });

  const parsed = toBody(f);
  // A server error for a field wins over the local check: it is what the server will keep saying.
  const errors = formErrors(create.error, parsed, (field) => touched.has(field));
  const err = (field: string, as = field) => errors.at(as);
  const set = <K extends keyof Form>(k: K, v: Form[K]) => {
    setF({ ...f, [k]: v });
    setTouched(new Set(touched).add(k === "minutes" ? "maxDurationSec" : k));
  };
  const submit = () => {
    setTouched(new Set(["title", "prompt", "maxDurationSec", "capabilities", "profile", "project"]));
    if (parsed.success) create.mutate(parsed.data);
  };
  const close = () => {
    create.reset();
    onClose();
  };
  const general = errors.general([
    "title",
    "prompt",
    "maxDurationSec",
    "capabilities",
    "profile",
    "project",
    "priority",
  ]);

  return (
    <Dialog
      open={open}
      onClose={close}
      title="New session"
      footer={
        <>
          <Button onClick={close}>Cancel</Button>
          <Button variant="primary" form="create-session" type="submit" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create and queue"}
          </Button>
        </>
      }
    >
      <FormBox id="create-session" onSubmit={submit}>
        <Field label="Title" error={err("title")}>
          <input value={f.title} onChange={(e) => set("title", e.target.value)} maxLength={200} />
        </Field>
        <Field label="Prompt" error={err("prompt")} hint="What the agent should do.">
          <textarea rows={5} value={f.prompt} onChange={(e) => set("prompt", e.target.value)} />
        </Field>
        <Field label="Project" error={err("project")} hint="A registered repository to work in (optional).">
          <select value={f.project} onChange={(e) => set("project", e.target.value)}>
            <option value="">— none —</option>
            {projects.data?.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name}
              </option>
            ))}
          </select>
        </Field>
        <fieldset className="field plain-set">
          <legend className="label">Route by</legend>
          <div className="row">
            <label className="choice">
              <input
                type="radio"
                name="route"
                checked={f.route === "profile"}
                onChange={() => set("route", "profile")}
              />
              an OpenCode profile
            </label>
            <label className="choice">
              <input
                type="radio"
                name="route"
                checked={f.route === "capabilities"}
                onChange={() => set("route", "capabilities")}
              />
              capabilities (any agent that has them)
            </label>
          </div>
        </fieldset>
        {f.route === "profile" ? (
          <Field label="Profile" error={err("profile")} hint="Empty: the server's default profile.">
            <select value={f.profile} onChange={(e) => set("profile", e.target.value)}>
              <option value="">default{profiles.data ? ` (${profiles.data.default})` : ""}</option>
              {profiles.data?.items.map((p) => (
                <option key={p.name} value={p.name} disabled={!p.available}>
                  {p.name} — {p.model}
                  {!p.available ? ` (unavailable: ${p.reason ?? "no key"})` : ""}
                </option>
              ))}
            </select>
          </Field>
        ) : (
          <CapabilityPicker
            value={f.capabilities}
            onChange={(caps) => set("capabilities", caps)}
            agents={agents.data}
            error={err("capabilities")}
          />
        )}
        <div className="row" style={{ alignItems: "start" }}>
          <div style={{ flex: 1 }}>
            <Field label="Priority" error={err("priority")}>
              <select value={f.priority} onChange={(e) => set("priority", e.target.value as Priority)}>
                {PriorityEnum.options.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </Field>
          </div>
          <div style={{ flex: 1 }}>
            <Field label="Max duration (minutes)" error={err("minutes", "maxDurationSec")}>
              <input inputMode="numeric" value={f.minutes} onChange={(e) => set("minutes", e.target.value)} />
            </Field>
          </div>
        </div>
        {general ? <Problem error={create.error} /> : null}
      </FormBox>
    </Dialog>
  );
}
