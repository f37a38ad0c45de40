import type { Plan } from "@orchestrator/sdk";
import { useId, useMemo, useState } from "react";
import { Link } from "react-router";
import { Button } from "../../ui/button.tsx";
import { label } from "../../ui/status.ts";
import { box, layout } from "./layout.ts";
import { taskGlyph, taskStates, taskTone } from "./status.ts";

export interface GraphNode {
  key: string;
  title: string;
  /** Absent in a draft's preview: nothing has run. */
  status?: Plan.TaskStatus;
  attempt?: number;
  sessionId?: string | null;
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/**
 * A plan's graph as SVG, laid out by dagre: boxes coloured (and labelled, and marked by a glyph) by state,
 * edges with arrowheads (finish-to-start solid, the other types dashed), the critical path thick and in
 * the accent colour. A node with a session links to it; hovering or focusing one selects it.
 */
export function Graph({
  nodes,
  edges,
  critical = [],
  selected,
  onSelect,
  label: name,
}: {
  nodes: GraphNode[];
  edges: { from: string; to: string; type?: string }[];
  critical?: string[];
  selected?: string | null;
  onSelect?: (key: string) => void;
  label: string;
}) {
  const keys = nodes.map((n) => n.key);
  const shape = JSON.stringify([keys, edges]);
  // Laid out again only when the graph's shape changes, not on each poll's new states.
  const laid = useMemo(() => layout(keys, edges), [shape]);
  const [fit, setFit] = useState(true);
  const id = useId().replace(/[^A-Za-z0-9]/g, "");
  const onPath = new Set(critical);
  const hot = new Set(critical.slice(1).map((k, i) => `${critical[i]}>${k}`));
  const shown = new Set(nodes.map((n) => n.status).filter(Boolean));

  return (
    <div className="pg" data-graph>
      <div className="pg-scroll">
        <svg
          className={fit ? "pg-svg fit" : "pg-svg"}
          width={laid.width}
          height={laid.height}
          viewBox={`0 0 ${laid.width} ${laid.height}`}
          role="group"
          aria-label={name}
        >
          <defs>
            {["plain", "hot"].map((k) => (
              <marker
                key={k}
                id={`${id}-${k}`}
                viewBox="0 0 10 10"
                refX="9"
                refY="5"
                markerWidth="7"
                markerHeight="7"
                orient="auto-start-reverse"
              >
                <path d="M0,0 L10,5 L0,10 z" className={`pg-head ${k}`} />
              </marker>
            ))}
          </defs>
          {laid.edges.map((e, i) => {
            const isHot = hot.has(`${e.from}>${e.to}`);
            return (
              <path
                key={i}
                d={e.d}
                className={`pg-edge${isHot ? " hot" : ""}${e.type === "finish_to_start" ? "" : " soft"}`}
                markerEnd={`url(#${id}-${isHot ? "hot" : "plain"})`}
                data-edge={`${e.from}>${e.to}`}
                data-critical={isHot || undefined}
              >
                <title>{`${e.from} → ${e.to} (${label(e.type)})`}</title>
              </path>
            );
          })}
          {nodes.map((n) => {
            const at = laid.nodes.get(n.key);
            if (!at) return null;
            const body = <Node n={n} critical={onPath.has(n.key)} picked={selected === n.key} />;
            const common = {
              transform: `translate(${at.x},${at.y})`,
              "data-node": n.key,
              "data-status": n.status,
              "data-critical": onPath.has(n.key) || undefined,
              onMouseEnter: () => onSelect?.(n.key),
              onFocus: () => onSelect?.(n.key),
            };
            return n.sessionId ? (
              <Link key={n.key} to={`/sessions/${n.sessionId}`} className="pg-link" {...common}>
                {body}
              </Link>
            ) : (
              <g
                key={n.key}
                tabIndex={onSelect ? 0 : undefined}
                role={onSelect ? "button" : undefined}
                aria-label={`${n.key}: ${n.title}${n.status ? `, ${label(n.status)}` : ""}`}
                onClick={() => onSelect?.(n.key)}
                {...common}
              >
                {body}
              </g>
            );
          })}
        </svg>
      </div>
      <div className="pg-legend spread">
        <div className="row" aria-label="Legend">
          {taskStates
            .filter((s) => shown.has(s))
            .map((s) => (
              <span key={s} className={`tone-${taskTone[s]}`}>
                {taskGlyph[s]} {label(s)}
              </span>
            ))}
          <span className="pg-key hot">━ critical path{critical.length ? "" : " (none yet)"}</span>
          <span className="pg-key">── finish → start</span>
          <span className="pg-key">╌╌ other dependency</span>
        </div>
        <Button size="sm" variant="ghost" aria-pressed={!fit} onClick={() => setFit(!fit)}>
          {fit ? "Actual size" : "Fit to width"}
        </Button>
      </div>
    </div>
  );
}

function Node({ n, critical, picked }: { n: GraphNode; critical: boolean; picked: boolean }) {
  const tone = n.status ? taskTone[n.status] : "idle";
  const state = n.status
    ? `${taskGlyph[n.status]} ${label(n.status)}${n.attempt && n.attempt > 1 ? ` · #${n.attempt}` : ""}`
    : "draft";
  return (
    <g className={`pg-node tone-${tone}${critical ? " critical" : ""}${picked ? " picked" : ""}`}>
      <title>{`${n.key}: ${n.title}\n${state}${critical ? "\non the critical path" : ""}${n.sessionId ? "\nopens its session" : ""}`}</title>
      <rect className="pg-box" width={box.w} height={box.h} />
      <rect className="pg-band" width={5} height={box.h} />
      <text x={14} y={18} className="pg-key-t">
        {cut(n.key, critical ? 17 : 24)}
      </text>
      {critical && (
        <text x={box.w - 8} y={18} className="pg-crit" textAnchor="end">
          ◆ CRIT
        </text>
      )}
      <text x={14} y={34} className="pg-title">
        {cut(n.title, 26)}
      </text>
      <text x={14} y={50} className="pg-state">
        {state}
      </text>
    </g>
  );
}
