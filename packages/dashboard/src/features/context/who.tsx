import type { Context } from "@orchestrator/sdk";
import { Link } from "react-router";
import { useAuth } from "../../app/auth.tsx";
import { who } from "../session/who.ts";
import { actorKind, cause } from "./words.ts";

const short = (id: string) => id.slice(0, 8);

/** Who made a change, in words: "plan" (the orchestrator), "session 1a2b3c4d", "key …", "you". */
export function Actor({ a }: { a: Context.Actor }) {
  const { me } = useAuth();
  const kind = actorKind(a);
  if (kind === "plan")
    return (
      <span data-actor="plan">
        <Link to={`/plans/${a.plan}`} title="the orchestrator, writing the results of the plan's tasks">
          plan
        </Link>
      </span>
    );
  if (kind === "session")
    return (
      <span data-actor="session">
        session{" "}
        <Link to={`/sessions/${a.session}`} title={a.session}>
          {short(a.session!)}
        </Link>
        {a.agent && (
          <span className="muted">
            {" "}
            (agent <Link to={`/agents/${a.agent}`}>{a.agent.length > 24 ? short(a.agent) : a.agent}</Link>)
          </span>
        )}
      </span>
    );
  if (kind === "key") return <span data-actor="key">{who(`key:${a.key}`, me)}</span>;
  return <span data-actor="none">a person (the server runs without keys)</span>;
}

/** A JSON pointer that may break after each "/" on a narrow screen, never inside a key. */
export function Path({ p }: { p: string }) {
  if (!p) return <code>/</code>;
  const parts = p.split("/").slice(1);
  return (
    <code className="ctx-path">
      {parts.map((s, i) => (
        <span key={i}>
          {i > 0 && <wbr />}/{s}
        </span>
      ))}
    </code>
  );
}

/** Why a change was made, when the orchestrator says: a merge of another document, a plan's step. */
export function Cause({ id }: { id: string | null }) {
  const c = cause(id);
  if (!c) return null;
  if (c.kind === "merge")
    return (
      <span className="muted">
        merged from <Link to={`/contexts/${c.source}`}>document {short(c.source)}</Link>
      </span>
    );
  if (c.kind === "step") return <span className="muted">tasks ended (plan step {c.n})</span>;
  if (c.kind === "mcp") return <span className="muted">through its MCP tools</span>;
  return (
    <span className="muted" title={c.text}>
      cause {c.text.length > 40 ? `${c.text.slice(0, 39)}…` : c.text}
    </span>
  );
}
