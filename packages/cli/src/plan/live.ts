import { ApiError, type Plan } from "@orchestrator/sdk";
import { code } from "../exit.ts";
import * as Out from "../output.ts";
import type { Api } from "./api.ts";
import { changeLine, changes, outcome, planEnded, show } from "./view.ts";

export interface Mode {
  json: boolean;
  /** Standard output is a terminal: redraw the tree in place. Else print one line per change. */
  tty: boolean;
  color: boolean;
  /** Terminal size, for clipping a frame so it can be redrawn in place. */
  size?: () => { columns: number; rows: number };
  intervalMs?: number;
}

/**
 * Follow a plan until it ends. It polls the plan (every second) until the server streams plan events.
 * On a terminal the tree is redrawn in place; otherwise the tree is printed once, then one line per
 * task state change, then the tree again. With --json: one JSON line per change (shaped as the plan
 * event log will be: plan.created, task.status, plan.status), then the final plan. Ctrl-C detaches: the
 * plan keeps running on the server.
 */
export async function follow(api: Api, first: Plan.View, mode: Mode): Promise<number> {
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  const screen = frames(mode);
  let v = first;
  let prev: Plan.View | null = null;
  let delay = mode.intervalMs ?? 1000;
  try {
    if (mode.json) Out.json(event(v, "plan.created", { title: v.title, status: v.status }));
    else if (!mode.tty) for (const l of show(v)) Out.print(l);
    for (;;) {
      report(prev, v, mode, screen);
      if (planEnded.includes(v.status) || stop.signal.aborted) break;
      await sleep(delay, stop.signal);
      if (stop.signal.aborted) break;
      try {
        const next = await api.get(v.id);
        prev = v;
        v = next;
        delay = mode.intervalMs ?? 1000;
      } catch (err) {
        if (!retryable(err)) throw err;
        delay = Math.min(delay * 2, 5000);
        Out.warn(`cannot read plan ${v.id} (${(err as Error).message}); trying again in ${delay} ms`);
      }
    }
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
  if (!planEnded.includes(v.status)) {
    Out.warn(`detached; plan ${v.id} keeps running. Watch it again with:`);
    Out.warn(`  orchestrator plan watch ${v.id}`);
    Out.warn(`(stop it with \`orchestrator plan cancel ${v.id}\`)`);
    return code.interrupted;
  }
  if (mode.json) Out.json(v);
  else {
    if (!mode.tty) for (const l of show(v)) Out.print(l);
    for (const l of outcome(v)) Out.print(l);
  }
  return v.status === "succeeded" ? code.ok : code.unsuccessful;
}

/** Print what one look at the plan shows: a new frame, change lines, or change events. */
function report(prev: Plan.View | null, v: Plan.View, mode: Mode, screen: (v: Plan.View) => void): void {
  if (mode.tty && !mode.json) return screen(v);
  if (!prev) return;
  const now = Date.now();
  for (const c of changes(prev, v)) {
    if (mode.json) Out.json(event(v, "task.status", c));
    else Out.print(changeLine(c, v, now));
  }
  if (prev.status !== v.status) {
    if (mode.json) Out.json(event(v, "plan.status", { from: prev.status, to: v.status }));
    else Out.print(`${new Date(now).toTimeString().slice(0, 8)}  plan ${v.status}`);
  }
}

const event = (v: Plan.View, type: string, data: object) => ({
  planId: v.id,
  type,
  at: new Date().toISOString(),
  data,
});

/**
 * Redraw in place: move up over the last frame (as many screen rows as it took, wrapped lines counted)
 * and clear down, then write the new one. A frame taller than the screen is cut, since the cursor cannot
 * move above the screen's top.
 */
function frames(mode: Mode): (v: Plan.View) => void {
  let rows = 0;
  return (v) => {
    const size = mode.size?.() ?? { columns: 80, rows: 24 };
    let lines = show(v, { color: mode.color });
    const plain = show(v);
    const room = Math.max(3, size.rows - 2);
    if (lines.length > room) {
      const more = `… ${lines.length - room + 1} more lines (\`orchestrator plan show ${v.id}\`)`;
      lines = [...lines.slice(0, room - 1), more];
      plain.splice(room - 1, plain.length, more);
    }
    const height = plain.reduce((n, l) => n + Math.max(1, Math.ceil(l.length / size.columns)), 0);
    const up = rows ? `\x1b[${rows}F\x1b[J` : "";
    process.stdout.write(up + lines.join("\n") + "\n");
    rows = height;
  };
}

/** Network errors and 5xx may heal; a 4xx (plan deleted, key revoked) will not. */
const retryable = (err: unknown) => err instanceof ApiError && (err.status === 0 || err.status >= 500);

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
