import type { Plan } from "@orchestrator/sdk";

/**
 * A plan's graph, checked and indexed once: tasks become indices 0..n-1 (their input order), edges become
 * compact adjacency arrays (CSR), so every later pass (CPM, readiness, the reconciler) is O(V + E) over
 * integers instead of maps of strings. Pure: no I/O.
 *
 * Only finish_to_start edges are executed, so only they are in the adjacency. The other three types are
 * stored and shown; they take part in validation (a cycle of any type, duplicates, unknown keys are refused,
 * so turning them on later cannot meet a graph that was accepted but is infeasible) and in nothing else.
 */

/** One refused field: `path` as in a zod issue (`tasks.3.key`, `edges.5.from`, `edges`). */
export interface Problem {
  path: string;
  message: string;
  /** For a cycle: its keys in edge order, first repeated last (`["a","b","c","a"]` is a→b→c→a). */
  cycle?: string[];
}

export interface Graph {
  /** Index → key, in the tasks' input order. */
  keys: readonly string[];
  index: ReadonlyMap<string, number>;
  /** A topological order over every edge: Kahn's algorithm, the lowest input index first among ties. */
  order: Int32Array;
  /** Dependents of i (finish_to_start only): succ[succStart[i] .. succStart[i+1]). */
  succStart: Int32Array;
  succ: Int32Array;
  /** Prerequisites of i (finish_to_start only): pred[predStart[i] .. predStart[i+1]). */
  predStart: Int32Array;
  pred: Int32Array;
}

export type Built = { ok: true; graph: Graph } | { ok: false; problems: Problem[] };

type EdgeIn = { from: string; to: string; type?: Plan.EdgeType | undefined };

/** Checks tasks' keys and edges, collecting every problem, and indexes the graph when there is none. */
export function build(tasks: readonly { key: string }[], edges: readonly EdgeIn[]): Built {
  const problems: Problem[] = [];
  const index = new Map<string, number>();
  const keys: string[] = [];
  tasks.forEach((t, i) => {
    const first = index.get(t.key);
    if (first === undefined) {
      index.set(t.key, keys.length);
      keys.push(t.key);
    } else
      problems.push({ path: `tasks.${i}.key`, message: `duplicate key "${t.key}" (also tasks.${first})` });
  });
  const n = keys.length;

  // Edges between known, distinct tasks, as parallel arrays; then duplicates are found per prerequisite
  // with a stamp array (O(V + E), no hashing: a Map keyed by pairs was the slowest step at 30,000 edges).
  const m = edges.length;
  const ea = new Int32Array(m);
  const eb = new Int32Array(m);
  const at = new Int32Array(m); // the edge's input position
  const exec = new Uint8Array(m);
  let k = 0;
  const bad: { at: number; p: Problem }[] = [];
  edges.forEach((e, i) => {
    const a = index.get(e.from);
    const b = index.get(e.to);
    if (a === undefined)
      bad.push({ at: i, p: { path: `edges.${i}.from`, message: `unknown task key "${e.from}"` } });
    if (b === undefined)
      bad.push({ at: i, p: { path: `edges.${i}.to`, message: `unknown task key "${e.to}"` } });
    if (a === undefined || b === undefined) return;
    if (a === b)
      return void bad.push({ at: i, p: { path: `edges.${i}`, message: "a task cannot depend on itself" } });
    ea[k] = a;
    eb[k] = b;
    exec[k] = (e.type ?? "finish_to_start") === "finish_to_start" ? 1 : 0;
    at[k++] = i;
  });
  const byFrom = csr(n, ea.subarray(0, k), null, null);
  const stamp = new Int32Array(n).fill(-1);
  const first = new Int32Array(n); // with stamp[b] = a: the first edge a → b seen
  const dup = new Uint8Array(k);
  for (let a = 0; a < n; a++)
    for (let j = byFrom.start[a]!; j < byFrom.start[a + 1]!; j++) {
      const e = byFrom.list[j]!;
      const b = eb[e]!;
      if (stamp[b] !== a) {
        stamp[b] = a;
        first[b] = e;
        continue;
      }
      dup[e] = 1;
      const i = at[e]!;
      const message = `duplicate of edges.${at[first[b]!]} (${edges[i]!.from} → ${edges[i]!.to})`;
      bad.push({ at: i, p: { path: `edges.${i}`, message } });
    }
  bad.sort((x, y) => x.at - y.at); // stable: an edge's own problems keep their order
  for (const x of bad) problems.push(x.p);
  const from = new Int32Array(k);
  const to = new Int32Array(k);
  const fs = new Uint8Array(k); // 1: finish_to_start, executed
  let kept = 0;
  for (let e = 0; e < k; e++) {
    if (dup[e]) continue;
    from[kept] = ea[e]!;
    to[kept] = eb[e]!;
    fs[kept++] = exec[e]!;
  }

  const all = csr(n, from.subarray(0, kept), to, null);
  const indeg = new Int32Array(n);
  for (let e = 0; e < kept; e++) indeg[to[e]!]!++;
  const order = topo(n, all.start, all.list, indeg);
  if (order.length < n) {
    const cycle = findCycle(n, order, from.subarray(0, kept), to).map((i) => keys[i]!);
    problems.push({ path: "edges", message: `the edges form a cycle: ${cycle.join(" → ")}`, cycle });
  }
  if (problems.length > 0) return { ok: false, problems };

  const out = csr(n, from.subarray(0, kept), to, fs);
  const inn = csr(n, to.subarray(0, kept), from, fs);
  return {
    ok: true,
    graph: { keys, index, order, succStart: out.start, succ: out.list, predStart: inn.start, pred: inn.list },
  };
}

/**
 * Compressed adjacency: for each edge e kept, b[e] (or e itself without b) in the list of a[e], each list in
 * the edges' input order.
 */
function csr(n: number, a: ArrayLike<number>, b: ArrayLike<number> | null, keep: ArrayLike<number> | null) {
  const start = new Int32Array(n + 1);
  for (let e = 0; e < a.length; e++) if (!keep || keep[e]) start[a[e]! + 1]!++;
  for (let i = 0; i < n; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, n);
  const list = new Int32Array(start[n]!);
  for (let e = 0; e < a.length; e++) if (!keep || keep[e]) list[fill[a[e]!]!++] = b ? b[e]! : e;
  return { start, list };
}

/**
 * Kahn's algorithm with a min-heap of ready indices: among tasks free at the same time the earliest in the
 * input comes first, so an input that is already in dependency order comes back unchanged. Returns fewer
 * than n indices when there is a cycle.
 */
function topo(n: number, start: Int32Array, list: Int32Array, indeg: Int32Array): Int32Array {
  const left = indeg;
  const heap = new Int32Array(n);
  let size = 0;
  const push = (v: number) => {
    let i = size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heap[p]! <= v) break;
      heap[i] = heap[p]!;
      i = p;
    }
    heap[i] = v;
  };
  const pop = () => {
    const top = heap[0]!;
    const last = heap[--size]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= size) break;
      if (c + 1 < size && heap[c + 1]! < heap[c]!) c++;
      if (heap[c]! >= last) break;
      heap[i] = heap[c]!;
      i = c;
    }
    heap[i] = last;
    return top;
  };
  for (let i = 0; i < n; i++) if (left[i] === 0) push(i);
  const order = new Int32Array(n);
  let k = 0;
  while (size > 0) {
    const v = pop();
    order[k++] = v;
    for (let j = start[v]!; j < start[v + 1]!; j++) if (--left[list[j]!]! === 0) push(list[j]!);
  }
  return order.subarray(0, k);
}

/**
 * One cycle among the tasks Kahn's algorithm left: each of them still has a prerequisite that was left too,
 * so walking prerequisites from the first one must come back to a task already on the walk.
 */
function findCycle(n: number, sorted: Int32Array, from: Int32Array, to: Int32Array): number[] {
  const done = new Uint8Array(n);
  for (const v of sorted) done[v] = 1;
  const back: number[] = new Array(n).fill(-1); // one left prerequisite of each left task
  for (let e = 0; e < from.length; e++) if (!done[from[e]!] && back[to[e]!] === -1) back[to[e]!] = from[e]!;
  const at = new Int32Array(n).fill(-1); // position on the walk
  const walk: number[] = [];
  let v = done.indexOf(0);
  while (at[v] === -1) {
    at[v] = walk.length;
    walk.push(v);
    v = back[v]!;
  }
  // The walk goes dependent → prerequisite; the cycle reads prerequisite → dependent, from its first task
  // in the input.
  const cycle = walk.slice(at[v]!).reverse();
  const first = cycle.indexOf(Math.min(...cycle));
  const turned = [...cycle.slice(first), ...cycle.slice(0, first)];
  return [...turned, turned[0]!];
}

/** Dependents of i (finish_to_start). */
export const succOf = (g: Graph, i: number) => g.succ.subarray(g.succStart[i]!, g.succStart[i + 1]!);
/** Prerequisites of i (finish_to_start). */
export const predOf = (g: Graph, i: number) => g.pred.subarray(g.predStart[i]!, g.predStart[i + 1]!);
