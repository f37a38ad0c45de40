// The Control Room in a real browser: the JavaScript the first page ships, how fast a session with 10,000
// events shows, and whether the page keeps its frames short while a session streams 100 events/s. One
// `orchestrator serve` (embedded PGlite on disk; --db is ignored) serving a fresh build of the dashboard,
// and Debian's Chromium headless; server and browser share the machine's cores.
// Run alone: npx tsx bench/dashboard.ts [--events=10000] [--runs=3] [--lead=3000] [--bursts=200] [--burst=10] [--gap=60]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gzipSync } from "node:zlib";
import type { Browser, BrowserContext } from "playwright-core";
import { type Api, api, settle } from "./lib/api.ts";
import { type Served, build, launch, serve } from "./lib/browser.ts";
import { type Recorded, open, painted, recorded } from "./lib/page.ts";
import { median, ms, summary } from "./lib/stats.ts";
import { type Targets, alone } from "./lib/target.ts";
import { pages } from "./replay.ts";

export interface Options {
  /** Messages in the big session (it also has created, running and completed). */
  events: number;
  runs: number;
  /** The streaming session: `lead` ms of quiet (the page loads meanwhile), then `bursts` × (emit `burst`,
   * sleep `gap` ms), about 100 events/s by default. */
  lead: number;
  bursts: number;
  burst: number;
  gap: number;
}

// 10 events then 60 ms of sleep: the 10 writes take about 40 ms on PGlite here, so about 100 events/s.
export const defaults: Options = { events: 10_000, runs: 3, lead: 3_000, bursts: 200, burst: 10, gap: 60 };

export interface Chunk {
  name: string;
  raw: number;
  gzip: number;
  /** The response's content-encoding ("none": the raw size is what went over the wire). */
  encoding: string;
}

export interface Frames {
  /** What the long frames came from: `long-animation-frame`, or `longtask` where that is unsupported. */
  kind: string;
  /** Long frames (over 50 ms by the API's definition) between the first row and the last event. */
  long: number;
  longest: number;
  /** Each long frame (the first 10): when, from the first row, how long, and what took the time. */
  list: string[];
  /** requestAnimationFrame-to-requestAnimationFrame intervals in the same window. */
  intervals: ReturnType<typeof summary>;
  over50: number;
  /** When those over 50 ms ended, in s from the first row (the first 10). */
  gaps: number[];
}

/** One cold open of the big session's page; times in ms from navigation start. */
export interface Open {
  first: number;
  all: number;
  renders: number;
  /** Long frames between (a) and (b): how janky the page is while it takes the replay in. */
  long: number;
  /** The longest frame until every event was rendered, and what it was made of. */
  longest: number;
  culprit: string;
  /** What the page fetched before the first row: [path, request start, response end], where (a) goes. */
  steps: [string, number, number][];
}

/** One open of the big session from the sessions list, in an app already loaded: ms from the click. */
export interface Warm {
  first: number;
  all: number;
  /** Long frames from the click to (b), and the longest of them. */
  long: number;
  longest: number;
}

export interface Result {
  shipped: { chunks: Chunk[]; raw: number; gzip: number };
  detail: { events: number; runs: Open[]; returning: Open[]; warm: Warm[] };
  stream: {
    events: number;
    /** Messages per second, from the first to the last message's `at` (the server's clock). */
    rate: number;
    seconds: number;
    /** From the first streamed event painted to the last event: the target's window. */
    frames: Frames;
    /** The page loading before that: from its first row painted to the first streamed event painted. */
    load: Frames;
    /** Timeline renders that added events, from the page's first one to the last event. */
    renders: number;
    /** API calls the session page made while streaming, by route (the refetches events cause). */
    requests: Record<string, number>;
  };
}

/** 1. Every JavaScript response of the first page, until the overview shows and the network is quiet. */
async function shipped(browser: Browser, url: string, key: string): Promise<Result["shipped"]> {
  const { ctx, page } = await open(browser, key, 0);
  const bodies: Promise<Chunk>[] = [];
  page.on("response", (res) => {
    if (!/javascript/.test(res.headers()["content-type"] ?? "")) return;
    bodies.push(
      res.body().then((b) => ({
        name: new URL(res.url()).pathname,
        raw: b.length,
        gzip: gzipSync(b, { level: 9 }).length,
        encoding: res.headers()["content-encoding"] ?? "none",
      })),
    );
  });
  await page.goto(url + "/");
  await page.getByRole("heading", { name: "System overview" }).waitFor({ timeout: 30_000 });
  await page.waitForLoadState("networkidle");
  const chunks = (await Promise.all(bodies)).toSorted((a, b) => b.gzip - a.gzip);
  await ctx.close();
  const sum = (k: "raw" | "gzip") => chunks.reduce((s, c) => s + c[k], 0);
  return { chunks, raw: sum("raw"), gzip: sum("gzip") };
}

/**
 * 2. One open of the big session's page from its link: first row painted, and every event folded and
 * rendered. Cold: a fresh context, as a first visit (nothing cached). Returning: a new tab of a browser
 * that has opened the Control Room twice before, so its HTTP cache holds the app and V8 has cached the
 * app's compiled code (Chromium does that for a script run twice).
 */
async function detail(browser: Browser, a: Api, id: string, last: number, returning = false): Promise<Open> {
  let ctx: BrowserContext | undefined;
  if (returning) {
    ({ ctx } = await open(browser, a.key, 0));
    const before = ctx.pages()[0]!;
    for (let i = 0; i < 2; i++) {
      await before.goto(`${a.url}/`);
      await before.getByRole("heading", { name: "System overview" }).waitFor({ timeout: 30_000 });
      await before.waitForLoadState("networkidle");
    }
    await before.close();
  }
  const { page } = await open(browser, a.key, last, ctx);
  ctx = page.context();
  try {
    await page.goto(`${a.url}/sessions/${id}`);
    // A little past the last render, so that its long frame, if any, has been reported.
    await page.waitForFunction(() => performance.now() - (window as any).bench.all > 300, undefined, {
      timeout: 120_000,
      polling: 100,
    });
    const b = await recorded(page);
    const first = painted(b, b.first);
    const all = painted(b, b.all);
    const steps = await page.evaluate(
      (before) =>
        (performance.getEntriesByType("resource") as PerformanceResourceTiming[])
          .filter((r) => r.responseEnd <= before)
          .map((r): [string, number, number] => [new URL(r.name).pathname, r.startTime, r.responseEnd]),
      first,
    );
    const longest = b.long.toSorted((x, y) => y[1] - x[1])[0];
    return {
      first,
      all,
      renders: b.renders,
      long: b.long.filter((l) => l[0] >= first && l[0] <= all).length,
      longest: longest?.[1] ?? 0,
      culprit: longest?.[2] ?? "",
      steps,
    };
  } finally {
    await ctx.close();
  }
}

/**
 * 2b. The same session opened the way a user usually opens one: a click on its row in the sessions list
 * of an app that has already loaded (a fresh context each time, so nothing of the session is cached).
 */
async function warm(browser: Browser, a: Api, id: string, last: number): Promise<Warm> {
  const { ctx, page } = await open(browser, a.key, last);
  try {
    await page.goto(`${a.url}/sessions`);
    const link = page.locator(`a[href="/sessions/${id}"]`);
    await link.waitFor({ timeout: 30_000 });
    await page.waitForLoadState("networkidle");
    const clicked = await link.evaluate((el: HTMLElement) => {
      const t = performance.now();
      el.click();
      return t;
    });
    await page.waitForFunction(() => performance.now() - (window as any).bench.all > 300, undefined, {
      timeout: 120_000,
      polling: 100,
    });
    const b = await recorded(page);
    const all = painted(b, b.all);
    const long = b.long.filter((l) => l[0] + l[1] >= clicked && l[0] <= all);
    return {
      first: painted(b, b.first) - clicked,
      all: all - clicked,
      long: long.length,
      longest: Math.max(0, ...long.map((l) => l[1])),
    };
  } finally {
    await ctx.close();
  }
}

/**
 * 3. A streaming session's page, opened as soon as the session is created: it loads during the session's
 * quiet lead, then the events stream in. Frames are counted from the first streamed event painted to the
 * last event (the target), and separately while the page loads.
 */
async function stream(browser: Browser, a: Api, o: Options): Promise<Result["stream"]> {
  const { ctx, page } = await open(browser, a.key, 0);
  const requests: Record<string, number> = {};
  page.on("request", (r) => {
    const u = new URL(r.url());
    if (!u.pathname.startsWith("/api/")) return;
    const route = `${r.method()} ${u.pathname.replace(/[0-9a-f-]{36}/g, ":id")}`;
    requests[route] = (requests[route] ?? 0) + 1;
  });
  try {
    const prompt = Array.from({ length: o.bursts }, () => `emit ${o.burst} tick\nsleep ${o.gap}`).join("\n");
    const s = await a.call<{ id: string }>("POST", "/api/v1/sessions", {
      title: "dashboard stream",
      prompt: `sleep ${o.lead}\n${prompt}\nsucceed`,
      capabilities: ["scripted"],
    });
    await page.goto(`${a.url}/sessions/${s.id}`);
    const end = await settle(a, s.id, 300_000);
    if (end.status !== "completed") throw new Error(`the streaming session ended ${end.status}`);
    const { lastSeq } = await a.call<{ lastSeq: number }>("GET", `/api/v1/sessions/${s.id}`);
    const done = await page.waitForFunction(
      (n) => document.querySelector("[data-testid=timeline]")?.getAttribute("data-events") === String(n),
      lastSeq,
      { timeout: 60_000, polling: 100 },
    );
    await done.dispose();
    const until = await page.evaluate(() => performance.now());
    const b = await recorded(page);
    const msgs = (await pages(a, s.id)).filter((e) => e.type === "agent.message");
    const seconds = (Date.parse(msgs.at(-1)!.at) - Date.parse(msgs[0]!.at)) / 1000;
    const started = b.counts.find(([, n]) => n >= msgs[0]!.seq)?.[0];
    if (started === undefined) throw new Error("the page never showed the first streamed event");
    const first = painted(b, b.first);
    if (started - first < 1000)
      throw new Error(
        `the stream began ${Math.round(started - first)} ms after the first row: make --lead longer`,
      );
    return {
      events: msgs.length,
      rate: (msgs.length - 1) / seconds,
      seconds,
      frames: frames(b, painted(b, started), until),
      load: frames(b, first, painted(b, started)),
      renders: b.renders,
      requests,
    };
  } finally {
    await ctx.close();
  }
}

function frames(b: Recorded, from: number, until: number): Frames {
  const inside = (t: number) => t >= from && t <= until;
  const long = b.long.filter((l) => inside(l[0]));
  const intervals = b.frames.filter((f) => inside(f[0])).map((f) => f[1]);
  return {
    kind: b.kind,
    long: long.length,
    longest: Math.max(0, ...long.map((l) => l[1])),
    list: long
      .slice(0, 10)
      .map((l) => `+${((l[0] - from) / 1000).toFixed(1)} s: ${l[1].toFixed(0)} ms (${l[2]})`),
    intervals: summary(intervals),
    over50: intervals.filter((i) => i > 50).length,
    gaps: b.frames
      .filter((f) => inside(f[0]) && f[1] > 50)
      .slice(0, 10)
      .map((f) => (f[0] - from) / 1000),
  };
}

export async function run(o: Options = defaults): Promise<Result> {
  const dir = mkdtempSync(path.join(tmpdir(), "io-bench-dashboard-"));
  let srv: Served | undefined;
  let browser: Browser | undefined;
  try {
    await build(path.join(dir, "dist"));
    srv = await serve(dir, path.join(dir, "dist"));
    browser = await launch();
    const a = api(srv.url, srv.key);
    const first = await shipped(browser, srv.url, srv.key);

    const big = await a.call<{ id: string }>("POST", "/api/v1/sessions", {
      title: "dashboard 10k",
      prompt: `emit ${o.events} line\nsucceed`,
      capabilities: ["scripted"],
    });
    const end = await settle(a, big.id, 600_000);
    if (end.status !== "completed") throw new Error(`the big session ended ${end.status}`);
    const { lastSeq } = await a.call<{ lastSeq: number }>("GET", `/api/v1/sessions/${big.id}`);
    const runs: Open[] = [];
    for (let i = 0; i < o.runs; i++) runs.push(await detail(browser, a, big.id, lastSeq));
    const again: Open[] = [];
    for (let i = 0; i < o.runs; i++) again.push(await detail(browser, a, big.id, lastSeq, true));
    const opened: Warm[] = [];
    for (let i = 0; i < o.runs; i++) opened.push(await warm(browser, a, big.id, lastSeq));

    return {
      shipped: first,
      detail: { events: lastSeq, runs, returning: again, warm: opened },
      stream: await stream(browser, a, o),
    };
  } finally {
    await browser?.close();
    await srv?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const kb = (b: number) => `${(b / 1000).toFixed(1)} KB`;
const list = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(", ");

/** Met when no long animation frame and no gap between frames went over 50 ms. */
export const smooth = (f: Frames) => f.long === 0 && f.over50 === 0;

export function report(r: Result): string {
  const { shipped: s, detail: d, stream: st } = r;
  const f = st.frames;
  const lf = st.load;
  const med = (k: "first" | "all" | "renders" | "longest") => median(d.runs.map((x) => x[k]));
  const typical = d.runs.find((x) => x.first === med("first"))!;
  const wmed = (k: "first" | "all") => median(d.warm.map((x) => x[k]));
  const rmed = (k: "first" | "all") => median(d.returning.map((x) => x[k]));
  return [
    `dashboard — the Control Room in headless Chromium, served by \`orchestrator serve\` (PGlite on disk)`,
    `  first page (/ until "System overview" shows and the network is idle): ${s.chunks.length} JavaScript responses, ${kb(s.raw)} raw, ${kb(s.gzip)} gzipped (level 9) — target ≤ 300 KB: ${s.gzip <= 300_000 ? "met" : "MISSED"}`,
    ...s.chunks.map(
      (c) =>
        `    ${c.name.padEnd(36)} ${kb(c.raw).padStart(10)} raw ${kb(c.gzip).padStart(10)} gzip   served with content-encoding: ${c.encoding}`,
    ),
    `  session with ${d.events} events, cold open (fresh context, empty cache), ${d.runs.length} runs, ms from navigation start:`,
    `    (a) first timeline row painted: median ${ms(med("first"), 0)} (runs: ${list(d.runs.map((x) => x.first))}) — target < 1 s: ${med("first") < 1000 ? "met" : "MISSED"}`,
    `    (b) all ${d.events} events folded and rendered: median ${ms(med("all"), 0)} (runs: ${list(d.runs.map((x) => x.all))}), in ${list(d.runs.map((x) => x.renders))} renders`,
    `    long frames between (a) and (b): ${list(d.runs.map((x) => x.long))}; longest frame until (b): ${list(d.runs.map((x) => x.longest))} ms, in the median run ${typical.culprit || "none"}`,
    `    fetches before (a) in the median run, start→end: ${typical.steps.map(([n, a, b]) => `${n.replace(/[0-9a-f-]{36}/g, ":id")} ${a.toFixed(0)}→${b.toFixed(0)}`).join(", ")}`,
    `  the same link opened in a new tab by a returning visitor (the app cached), ${d.returning.length} runs, ms from navigation start:`,
    `    (a) first timeline row painted: median ${ms(rmed("first"), 0)} (runs: ${list(d.returning.map((x) => x.first))}) — target < 1 s: ${rmed("first") < 1000 ? "met" : "MISSED"}`,
    `    (b) all ${d.events} events folded and rendered: median ${ms(rmed("all"), 0)} (runs: ${list(d.returning.map((x) => x.all))})`,
    `  the same session opened from the sessions list of a loaded app (a click), ${d.warm.length} runs, ms from the click:`,
    `    (a) first timeline row painted: median ${ms(wmed("first"), 0)} (runs: ${list(d.warm.map((x) => x.first))}) — target < 1 s: ${wmed("first") < 1000 ? "met" : "MISSED"}`,
    `    (b) all ${d.events} events folded and rendered: median ${ms(wmed("all"), 0)} (runs: ${list(d.warm.map((x) => x.all))})`,
    `    long frames from the click to (b): ${list(d.warm.map((x) => x.long))}; longest: ${list(d.warm.map((x) => x.longest))} ms`,
    `  streaming: ${st.events} messages in ${st.seconds.toFixed(1)} s = ${st.rate.toFixed(0)} events/s (server clock); page opened right after the create, loaded during its quiet lead; ${st.renders} timeline renders with new events`,
    `    while the page loaded (first row → first streamed event): ${lf.long} long frames (longest ${ms(lf.longest, 0)}), rAF max ${ms(lf.intervals.max)}, over 50 ms: ${lf.over50}`,
    ...lf.list.map((l) => `      ${l}`),
    `    ${f.kind} entries from the first streamed event to the last: ${f.long}, longest ${ms(f.longest, 0)}`,
    ...f.list.map((l) => `      ${l}`),
    `    rAF intervals: ${f.intervals.n}, p50 ${ms(f.intervals.p50)}, p99 ${ms(f.intervals.p99)}, max ${ms(f.intervals.max)}, over 50 ms: ${f.over50}${f.gaps.length ? ` (ending at ${f.gaps.map((g) => `+${g.toFixed(1)}`).join(", ")} s)` : ""}`,
    `    target no frame over 50 ms: ${smooth(f) ? "met" : "MISSED"}`,
    `    API calls by the page while open: ${
      Object.entries(st.requests)
        .map(([k, v]) => `${k} ×${v}`)
        .join(", ") || "none"
    }`,
  ].join("\n");
}

/** One run whatever `--db` says: the dashboard is the subject, served the way `npm start` serves it. */
export async function main(_t: Targets, o: Options): Promise<Result[]> {
  const r = await run(o);
  console.log(report(r) + "\n");
  return [r];
}

await alone(import.meta.url, (t, f) =>
  main(t, {
    events: f.num("events", defaults.events),
    runs: f.num("runs", defaults.runs),
    lead: f.num("lead", defaults.lead),
    bursts: f.num("bursts", defaults.bursts),
    burst: f.num("burst", defaults.burst),
    gap: f.num("gap", defaults.gap),
  }),
);
