import { ApiError, type Context } from "@orchestrator/sdk";
import { Link, useParams, useSearchParams } from "react-router";
import { Empty, PageHead } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { useDocument } from "./api.ts";
import { ContextPanel } from "./panel.tsx";

/**
 * One context document on a page of its own: where a session's "what it read" links (`?version=` opens
 * the version it read) and where documents of a project, an agent or the tenant are looked at.
 */
export function Page() {
  const { id = "" } = useParams();
  const [params] = useSearchParams();
  const v = Number(params.get("version") ?? "");
  const at = params.has("version") && Number.isInteger(v) && v >= 0 ? v : undefined;
  const doc = useDocument(id);
  const d = doc.data;
  if (doc.error instanceof ApiError && (doc.error.status === 404 || doc.error.status === 422))
    return (
      <>
        <PageHead title="Context not found" />
        <Empty>
          No document <code>{id}</code> here: a temporary one expires after an hour, or the link is wrong.{" "}
          <Link to="/contexts">All documents</Link>
        </Empty>
      </>
    );
  if (doc.error && !d)
    return (
      <>
        <PageHead title="Context" />
        <Problem error={doc.error} />
      </>
    );
  if (!d) return <div className="page-head skeleton" style={{ height: 96 }} aria-busy="true" />;
  return (
    <>
      <PageHead
        title={d.name}
        sub={
          <span>
            <Link to="/contexts">Context</Link> · {d.id.slice(0, 8)} · <Owner d={d} />
          </span>
        }
      />
      <ContextPanel key={`${id}:${at ?? ""}`} id={id} at={at} />
    </>
  );
}

/** Whose document it is, with a link to the owner's page where there is one. */
export function Owner({ d }: { d: Pick<Context.Document, "scope" | "ownerId"> }) {
  const o = d.ownerId;
  if (!o) return <span>{d.scope === "tenant" ? "the whole tenant's" : "temporary"}</span>;
  const to =
    d.scope === "session"
      ? `/sessions/${o}`
      : d.scope === "plan"
        ? `/plans/${o}`
        : d.scope === "agent"
          ? `/agents/${o}`
          : d.scope === "project"
            ? "/projects"
            : null;
  const name = o.length > 20 ? o.slice(0, 8) : o;
  return (
    <span>
      {d.scope} {to ? <Link to={to}>{name}</Link> : name}
    </span>
  );
}
