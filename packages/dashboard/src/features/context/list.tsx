import "./context.css";
import { Context } from "@orchestrator/sdk";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { Card, PageHead } from "../../ui/card.tsx";
import { count } from "../../ui/count.ts";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";
import { pollMs, useContextApi, useDocuments } from "./api.ts";
import { Owner } from "./page.tsx";
import { ContextEmpty } from "./session.tsx";

/** Every context document of the tenant, most recently changed first, and the merges waiting for a person. */
export function Page() {
  const api = useContextApi();
  const [scope, setScope] = useState<Context.Scope | undefined>(undefined);
  const docs = useDocuments({ scope });
  const merges = useQuery({
    queryKey: ["context-merges", "open"],
    queryFn: () => api.open(),
    refetchInterval: pollMs.merges,
  });
  const items = docs.data ?? [];
  const open = merges.data ?? [];
  const names = new Map(items.map((d) => [d.id, `${d.scope} “${d.name}”`]));
  return (
    <>
      <PageHead
        title="Context"
        sub="Shared documents of agents and people, with every version and who wrote it"
      />
      <div className="stack">
        {merges.error ? <Problem error={merges.error} /> : null}
        {open.length > 0 && (
          <Card title={`Merges waiting for a person · ${open.length}`} id="open-merges" pad={false}>
            <ul className="feed">
              {open.map((m) => (
                <li key={m.id} data-open-merge={m.id}>
                  <span className="ctx-grow">
                    {count(m.conflicts.length, "conflict")} merging{" "}
                    <Link to={`/contexts/${m.sourceId}`}>
                      {names.get(m.sourceId) ?? m.sourceId.slice(0, 8)}
                    </Link>{" "}
                    into{" "}
                    <Link to={`/contexts/${m.targetId}`}>
                      {names.get(m.targetId) ?? m.targetId.slice(0, 8)}
                    </Link>
                  </span>
                  <span className="muted">
                    <Ago at={m.createdAt} />
                  </span>
                </li>
              ))}
            </ul>
          </Card>
        )}
        <div className="chips" role="group" aria-label="Scope">
          {[undefined, ...Context.Scope.options].map((s) => (
            <button key={s ?? "all"} className="chip" aria-pressed={scope === s} onClick={() => setScope(s)}>
              {s ?? "all"}
            </button>
          ))}
        </div>
        {docs.error ? <Problem error={docs.error} /> : null}
        {docs.data && !items.length ? (
          <ContextEmpty>
            No {scope ? `${scope} ` : ""}documents yet. Agents write shared context through their MCP tools (a
            plan&apos;s document fills as its tasks end); people through the API (
            <code>POST /api/v1/contexts</code>) or <code>orchestrator context create</code>.
          </ContextEmpty>
        ) : (
          <Card title={`Documents · ${items.length}`} id="documents" pad={false}>
            <div className="scroll-x">
              <table className="t cards" aria-label="Context documents">
                <thead>
                  <tr>
                    <th className="text">Name</th>
                    <th>Owner</th>
                    <th>Version</th>
                    <th>Size</th>
                    <th>Changed</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((d) => (
                    <tr key={d.id} data-doc={d.id} data-row>
                      <td data-label="Name">
                        <Link to={`/contexts/${d.id}`}>
                          <b>{d.name}</b>
                        </Link>
                      </td>
                      <td data-label="Owner">
                        <Owner d={d} />
                      </td>
                      <td data-label="Version">v{d.version}</td>
                      <td data-label="Size" className="nowrap">
                        {(d.bytes / 1024).toFixed(1)} KB
                      </td>
                      <td data-label="Changed">
                        <Ago at={d.updatedAt} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </Card>
        )}
      </div>
    </>
  );
}
