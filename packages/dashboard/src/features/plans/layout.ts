import dagre from "@dagrejs/dagre";

/** A node's box, in SVG units. */
export const box = { w: 188, h: 58 };

export interface Laid {
  width: number;
  height: number;
  nodes: Map<string, { x: number; y: number }>;
  edges: { from: string; to: string; type: string; d: string }[];
}

/**
 * Layered layout (Sugiyama, by dagre) left to right: prerequisites before dependents. Edges naming an
 * unknown task are left out (an edited draft may hold one for a moment); a cycle is laid out anyway, dagre
 * reverses an edge of it, so a draft with a cycle can be seen and fixed.
 */
export function layout(keys: string[], edges: { from: string; to: string; type?: string }[]): Laid {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 22, ranksep: 56, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set(keys);
  for (const k of known) g.setNode(k, { width: box.w, height: box.h });
  const kept = edges.filter((e) => known.has(e.from) && known.has(e.to) && e.from !== e.to);
  kept.forEach((e, i) => g.setEdge(e.from, e.to, {}, String(i)));
  dagre.layout(g);
  const nodes = new Map<string, { x: number; y: number }>();
  for (const k of known) {
    const n = g.node(k);
    nodes.set(k, { x: n.x - box.w / 2, y: n.y - box.h / 2 });
  }
  const laid = kept.map((e, i) => {
    const pts = g.edge({ v: e.from, w: e.to, name: String(i) }).points ?? [];
    return { from: e.from, to: e.to, type: e.type ?? "finish_to_start", d: path(pts) };
  });
  const { width = 0, height = 0 } = g.graph();
  return { width: Math.max(width, box.w + 24), height: Math.max(height, box.h + 24), nodes, edges: laid };
}

/** A smooth path through dagre's points: straight segments joined by quadratic curves at each bend. */
function path(pts: { x: number; y: number }[]): string {
  if (!pts.length) return "";
  let d = `M${pts[0]!.x},${pts[0]!.y}`;
  for (let i = 1; i < pts.length - 1; i++) {
    const p = pts[i]!;
    const n = pts[i + 1]!;
    d += ` Q${p.x},${p.y} ${(p.x + n.x) / 2},${(p.y + n.y) / 2}`;
  }
  const last = pts.at(-1)!;
  return `${d} L${last.x},${last.y}`;
}
