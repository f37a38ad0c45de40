// What bench/dashboard.ts measures inside the page: a recorder installed before the app's own scripts, so
// every number is the browser's own clock (ms since navigation start).
import type { Browser, BrowserContext, Page } from "playwright-core";

/** What the page recorded (see `recorder`): page times are ms since navigation start. */
export interface Recorded {
  first: number;
  all: number;
  /** Renders of the timeline that changed its event count: how many batches the events were folded in. */
  renders: number;
  /** [time of the frame that painted it, the timeline's event count], at each change of that count. */
  counts: [number, number][];
  /** [rAF timestamp, ms since the previous rAF]. */
  frames: [number, number][];
  /** Long frames: [start, duration, what took the time: the longest script, and the rendering after it]. */
  long: [number, number, string][];
  kind: string;
}

/**
 * Runs in the page before its own scripts (addInitScript), so every time is the browser's own clock from
 * navigation start. A MutationObserver sees the first timeline row and the timeline's `data-events`
 * reaching `target` as the DOM changes, and takes the time in the next requestAnimationFrame (for the
 * first row, the first one that shows it inside the timeline's box): the frame that paints that DOM (`painted()` adds the rest of the frame when it was a long one). Not a task after
 * the frame: during a replay the WebSocket's message tasks queue ahead of it and it ran up to 300 ms late.
 * Long frames and rAF intervals are recorded throughout.
 */
function recorder(target: number) {
  const b: Recorded = { first: NaN, all: NaN, renders: 0, counts: [], frames: [], long: [], kind: "" };
  (window as unknown as { bench: Recorded }).bench = b;
  const atFrame = (set: (t: number) => void) => requestAnimationFrame(() => set(performance.now()));
  let first = false;
  let events = "";
  // A row in the DOM may still sit outside the timeline's scroll box (a virtualised list can mount the
  // rows at its end before its box has scrolled there): the first row counts in the frame that shows it
  // inside that box. The check runs in rAF, where the frame's layout is due anyway.
  const shown = (tl: Element) => {
    const box = tl.getBoundingClientRect();
    return Array.from(tl.querySelectorAll(".tl-row")).some((r) => {
      const e = r.getBoundingClientRect();
      return e.height > 0 && e.bottom > box.top && e.top < box.bottom;
    });
  };
  const watchFirst = (tl: Element) =>
    requestAnimationFrame((t) => (shown(tl) ? (b.first = t) : watchFirst(tl)));
  const seen = new MutationObserver(() => {
    const tl = document.querySelector("[data-testid=timeline]");
    if (!first && tl?.querySelector(".tl-row")) {
      first = true;
      watchFirst(tl);
    }
    const now = tl?.getAttribute("data-events");
    if (!now || now === events) return;
    events = now;
    b.renders++;
    atFrame((t) => b.counts.push([t, Number(now)]));
    if (target > 0 && Number(now) >= target) {
      seen.disconnect();
      atFrame((t) => (b.all = t));
    }
  });
  seen.observe(document, {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ["data-events"],
  });

  b.kind = PerformanceObserver.supportedEntryTypes.includes("long-animation-frame")
    ? "long-animation-frame"
    : "longtask";
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const scripts = ((e as unknown as { scripts?: Record<string, any>[] }).scripts ?? []).toSorted(
        (x, y) => y.duration - x.duration,
      );
      // The script that took longest (the API lists only those of 5 ms or more), and the rAF callbacks,
      // style, layout and paint after it: which of the two made the frame long.
      const s = scripts[0];
      const l = e as unknown as { renderStart?: number };
      const render = l.renderStart ? e.startTime + e.duration - l.renderStart : 0;
      const script = s
        ? `${String(s.invoker).replace(/^\w+:\/\/.*\//, "")} in ${String(s.sourceURL).split("/").pop()} ${Math.round(s.duration)} ms; `
        : "";
      b.long.push([e.startTime, e.duration, `${script}rendering ${Math.round(render)} ms`]);
    }
  }).observe({ type: b.kind, buffered: true });
  let last = 0;
  const tick = (t: number) => {
    if (last) b.frames.push([t, t - last]);
    last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/**
 * A page in a fresh context (empty cache, as a first visit), or in `ctx` (whose cache earlier pages
 * filled), signed in the way the sign-in form does it.
 */
export async function open(
  browser: Browser,
  key: string,
  target: number,
  reuse?: BrowserContext,
): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = reuse ?? (await browser.newContext({ viewport: { width: 1280, height: 860 } }));
  const page = await ctx.newPage();
  await page.addInitScript((k) => localStorage.setItem("orchestrator.key", k), key);
  // tsx (esbuild's keepNames) wraps the recorder's inner functions in `__name(fn, "name")`, which the
  // page does not have.
  await page.addInitScript("globalThis.__name = (fn) => fn");
  await page.addInitScript(recorder, target);
  return { ctx, page };
}

export const recorded = (page: Page) => page.evaluate(() => (window as unknown as { bench: Recorded }).bench);

/** When the frame that ran the rAF at `t` ended: its rendering (style, layout, paint) comes after the rAF. */
export function painted(b: Recorded, t: number): number {
  const frame = b.long.find((l) => l[0] <= t && t <= l[0] + l[1]);
  return frame ? frame[0] + frame[1] : t;
}
