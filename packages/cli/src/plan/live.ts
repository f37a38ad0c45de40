import { type Plan, endsPlan } from "@orchestrator/sdk";
import { code } from "../exit.ts";
import * as Out from "../output.ts";
import type { Api } from "./api.ts";
import { changeLine, outcome, planEnded, show } from "./view.ts";

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
 * Follow a plan until it ends, on its event stream (GET /api/v1/plans/{id}/events), from the entry after
 * `after` (by default the view it starts from; 0 replays the whole log, as `plan run` does). On a terminal the tree is redrawn in place, the plan read again after a burst
 * of events (at most every `intervalMs`); otherwise the tree is printed once, then one line per task
 * state change, then the tree again. With --json: the plan's log entries, one JSON line each, then the
 * final plan. Ctrl-C detaches: the plan keeps running on the server.
 */
export async function follow(api: Api, first: Plan.View, mode: Mode, after = first.lastSeq): Promise<number> {
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  const screen = frames(mode);
  let v = first;
  let ended = planEnded.includes(v.status);
  // When each running task started, for an ended task's `after 2s`.
  const started = new Map(v.tasks.flatMap((t) => (t.startedAt ? [[t.key, Date.parse(t.startedAt)]] : [])));
  const redraw = throttle(mode.intervalMs ?? 250, async () => {
    v = await api.get(v.id);
    screen(v);
  });
  try {
    if (mode.tty && !mode.json) screen(v);
    else if (!mode.json) for (const l of show(v)) Out.print(l);
    if (!ended) {
      const r = await api.follow(v.id, {
        after,
        signal: stop.signal,
        until: endsPlan,
        onEvent: (e) => {
          if (mode.json) return Out.json(e);
          if (mode.tty) return redraw.poke();
          if (e.type === "task.status" && e.data.to === "running") started.set(e.data.key, Date.parse(e.at));
          const line = eventLine(e, v, started);
          if (line) Out.print(line);
        },
        onReconnect: ({ error, delayMs }) =>
          Out.warn(`lost plan ${v.id}'s stream (${(error as Error).message}); reconnecting in ${delayMs} ms`),
      });
      ended = r.ended;
    }
    await redraw.flush();
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
  if (!ended) {
    Out.warn(`detached; plan ${v.id} keeps running. Watch it again with:`);
    Out.warn(`  orchestrator plan watch ${v.id}`);
    Out.warn(`(stop it with \`orchestrator plan cancel ${v.id}\`)`);
    return code.interrupted;
  }
  v = await api.get(v.id);
  if (mode.json) Out.json(v);
  else {
    if (mode.tty) screen(v);
    else for (const l of show(v)) Out.print(l);
    for (const l of outcome(v)) Out.print(l);
  }
  return v.status === "succeeded" ? code.ok : code.unsuccessful;
}

/** One line of a plan's log for a log that is not a terminal: a task's change, or the plan's. */
function eventLine(e: Plan.PlanEvent, v: Plan.View, started: Map<string, number>): string | null {
  const time = new Date(e.at).toTimeString().slice(0, 8);
  if (e.type === "task.status") return changeLine(e, v, started.get(e.data.key));
  if (e.type === "plan.status") {
    const flags = [e.data.paused ? "paused" : "", e.data.halted ? "halted" : ""].filter(Boolean);
    return `${time}  plan ${e.data.to}${flags.length ? ` (${flags.join(", ")})` : ""}`;
  }
  if (e.type === "plan.landing") return `${time}  plan ${Out.landingLine(e.data)}`;
  return null;
}

/**
 * Run `fn` at most once per `ms`, however often it is poked; `flush` waits for a run in progress. A failed
 * run is reported and tried again at the next poke.
 */
function throttle(ms: number, fn: () => Promise<void>) {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> = Promise.resolve();
  const run = () => {
    timer = null;
    running = running.then(fn).catch((err) => Out.warn(`cannot read the plan: ${(err as Error).message}`));
  };
  return {
    poke: () => void (timer ??= setTimeout(run, ms)),
    flush: async () => {
      if (timer) clearTimeout(timer);
      timer = null;
      await running;
    },
  };
}

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
