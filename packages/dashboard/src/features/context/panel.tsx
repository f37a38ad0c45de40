import "./context.css";
import { ApiError } from "@orchestrator/sdk";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type ReactNode, useId, useState } from "react";
import { Card } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { Ago } from "../../ui/time.tsx";
import { useContextApi, useDocument } from "./api.ts";
import { Diff } from "./diff.tsx";
import { History } from "./history.tsx";
import { Conflicts } from "./merges.tsx";
import { Tree } from "./tree.tsx";
import { Actor } from "./who.tsx";

type Tab = "data" | "history" | "diff";

/**
 * One shared context document: its data as a tree, its version and last change, its history, a diff
 * between two versions, and the merges waiting for a person. Kept current by useDocument. `at` opens it
 * on a version (what a session read): the data as it was then, and the diff from it to now.
 */
export function ContextPanel({ id, at, title }: { id: string; at?: number; title?: ReactNode }) {
  const api = useContextApi();
  const doc = useDocument(id);
  const d = doc.data;
  const uid = useId();
  const [tab, setTab] = useState<Tab>("data");
  const [shown, setShown] = useState<number | null>(at ?? null);
  const [range, setRange] = useState<[number, number] | null>(null);
  const version = d?.version ?? 0;
  const last = useQuery({
    queryKey: ["context", id, "last", version],
    queryFn: async () => (await api.history(id, { after: version - 1, limit: 1 }))[0] ?? null,
    enabled: version > 0,
    staleTime: Infinity,
  });
  const old = shown !== null && shown !== version;
  const past = useQuery({
    queryKey: ["context", id, "version", shown],
    queryFn: () => api.version(id, shown!),
    enabled: old,
    staleTime: Infinity,
    placeholderData: keepPreviousData,
  });

  if (doc.error instanceof ApiError && doc.error.status === 404)
    return (
      <Card title={title ?? "Context"} id={`ctx-${id}`}>
        <p className="muted">
          This document is gone: a temporary one expires after an hour, or it was deleted.
        </p>
      </Card>
    );
  if (!d)
    return (
      <Card title={title ?? "Context"} id={`ctx-${id}`}>
        {doc.error ? (
          <Problem error={doc.error} />
        ) : (
          <div className="skeleton" style={{ height: 80 }} aria-busy="true" />
        )}
      </Card>
    );

  // The diff starts on the last change, or, opened on a version, on what changed since it.
  const [from, to] =
    range ?? (at !== undefined && at < version ? [at, version] : [Math.max(0, version - 1), version]);
  const tabs: [Tab, string][] = [
    ["data", "Data"],
    ["history", `History · ${version}`],
    ["diff", "Diff"],
  ];
  return (
    <div data-context={d.id} data-name={d.name}>
      <Card
        title={title ?? `Context · ${d.name}`}
        id={`ctx-${id}`}
        pad={false}
        className="ctx"
        action={
          <span className="row nowrap">
            <span className="badge tone-idle" title="whose document it is">
              {d.scope}
            </span>
            <span className="badge tone-done" data-doc-version={version}>
              v{version}
            </span>
          </span>
        }
      >
        <div className="body ctx-line muted" data-last-change>
          {last.data ? (
            <>
              Last change <Ago at={last.data.at} /> by <Actor a={last.data.actor} />
            </>
          ) : (
            <>
              Created <Ago at={d.createdAt} />, not changed since
            </>
          )}{" "}
          · {(d.bytes / 1024).toFixed(1)} KB
          {d.expiresAt && (
            <>
              {" "}
              · expires <Ago at={d.expiresAt} future />
            </>
          )}
        </div>
        <div className="body" style={{ paddingTop: 0 }}>
          <Conflicts doc={d} />
        </div>
        <div className="ctx-tabs" role="tablist" aria-label={`Views of ${d.name}`}>
          {tabs.map(([k, l]) => (
            <button
              key={k}
              role="tab"
              id={`${uid}-tab-${k}`}
              aria-selected={tab === k}
              aria-controls={`${uid}-panel`}
              onClick={() => setTab(k)}
            >
              {l}
            </button>
          ))}
        </div>
        <div role="tabpanel" id={`${uid}-panel`} aria-labelledby={`${uid}-tab-${tab}`}>
          {tab === "history" ? (
            <History
              doc={d}
              onDiff={(v) => {
                setRange([Math.max(0, v - 1), v]);
                setTab("diff");
              }}
            />
          ) : (
            <div className="body">
              {tab === "diff" ? (
                <Diff doc={d} from={from} to={to} onPick={(f, t) => setRange([f, t])} />
              ) : (
                <div className="stack" style={{ gap: 10 }}>
                  <Shown id={`${uid}-shown`} version={version} shown={old ? shown : null} onShow={setShown} />
                  {past.error ? <Problem error={past.error} /> : null}
                  <Tree
                    data={old ? past.data?.data : d.data}
                    hot={old ? [] : (last.data?.touched.map((t) => t.path) ?? [])}
                    label={`${d.name} at v${old ? shown : version}`}
                  />
                </div>
              )}
            </div>
          )}
        </div>
      </Card>
    </div>
  );
}

/** Which version the Data tab shows: the current one, or one the person (or a read's link) picked. */
function Shown(p: { id: string; version: number; shown: number | null; onShow: (v: number | null) => void }) {
  const { id, version, shown, onShow } = p;
  return (
    <div className="row">
      <label className="label" htmlFor={id}>
        Showing
      </label>
      <select
        id={id}
        className="ctx-select"
        value={shown ?? version}
        onChange={(e) => onShow(Number(e.target.value) === version ? null : Number(e.target.value))}
      >
        {Array.from({ length: version + 1 }, (_, i) => version - i).map((v) => (
          <option key={v} value={v}>
            v{v}
            {v === version ? " (current)" : ""}
          </option>
        ))}
      </select>
      {shown !== null && (
        <span className="tone-queue" data-old-version={shown}>
          an older version: the document is at v{version} now
        </span>
      )}
    </div>
  );
}
