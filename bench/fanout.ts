// Fan-out: many WebSocket subscribers on one session's stream while the session emits events; delivery
// latency = receipt time − the event's `at`. The server runs in its own process; all clients share this one.
// Run alone: npx tsx bench/fanout.ts [--db=pglite,postgres] [--clients=1000] [--batches=10] [--batch=10] [--gap=100]
import WebSocket from "ws";
import { type Event, api } from "./lib/api.ts";
import { child } from "./lib/child.ts";
import { ms, summary, verdict } from "./lib/stats.ts";
import { type Db, type Targets, each, alone } from "./lib/target.ts";

export interface Options {
  clients: number;
  /** The session emits `batches` × `batch` messages with `gap` ms of sleep between batches. */
  batches: number;
  batch: number;
  gap: number;
}

export const defaults: Options = { clients: 1000, batches: 10, batch: 10, gap: 100 };

export interface Result {
  db: string;
  clients: number;
  events: number;
  /** Every (client, live event) receipt: now − at. */
  delivery: ReturnType<typeof summary>;
  /** Per event, the receipt at the last of all clients: how long a full fan-out takes. */
  lastClient: ReturnType<typeof summary>;
  connectSeconds: number;
  missing: number;
}

const now = () => performance.timeOrigin + performance.now();

export async function run(db: Db, o: Options = defaults): Promise<Result> {
  const srv = child("server.ts", [
    JSON.stringify({ ...db.options, config: { ...db.options.config, port: 0, logLevel: "silent" } }),
  ]);
  const sockets: WebSocket[] = [];
  try {
    const { url, adminKey } = await srv.next<{ url: string; adminKey: string }>();
    const a = api(url, adminKey);
    const script =
      Array.from({ length: o.batches }, () => `emit ${o.batch} fan-out\nsleep ${o.gap}`).join("\n") +
      "\nsucceed";
    const session = await a.call<{ id: string }>("POST", "/api/v1/sessions", {
      title: "fan-out",
      prompt: script,
      hold: true,
    });

    // Connect everyone while the session is held, so every client sees every live event.
    const lat = new Float64Array(o.clients * (o.batches * o.batch + 8));
    let n = 0;
    const last = new Map<number, number>(); // seq → latest receipt among clients
    const seen = new Array<number>(o.clients).fill(0);
    let endSeq = 0;
    let ended = 0;
    let onEnd: () => void = () => {};
    const allEnded = new Promise<void>((r) => (onEnd = r));
    const t0 = performance.now();
    const wsUrl = `${url.replace(/^http/, "ws")}/ws/sessions/${session.id}?after=0`;
    const open = (i: number) =>
      new Promise<void>((resolve, reject) => {
        const ws = new WebSocket(wsUrl, {
          perMessageDeflate: false,
          headers: { authorization: `Bearer ${adminKey}` },
        });
        sockets.push(ws);
        ws.once("error", reject);
        ws.on("message", (raw) => {
          const t = now();
          const e = JSON.parse(String(raw)) as Event;
          seen[i]!++;
          if (e.type === "session.created") return resolve();
          const d = t - Date.parse(e.at);
          lat[n++] = d;
          last.set(e.seq, Math.max(last.get(e.seq) ?? -Infinity, d));
          if (e.type === "session.status" && e.data.to === "completed") {
            endSeq = e.seq;
            if (++ended === o.clients) onEnd();
          }
        });
      });
    for (let i = 0; i < o.clients; i += 100) {
      await Promise.all(Array.from({ length: Math.min(100, o.clients - i) }, (_, k) => open(i + k)));
    }
    const connectSeconds = (performance.now() - t0) / 1000;

    await a.call("POST", `/api/v1/sessions/${session.id}/start`);
    const timeout = new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`only ${ended} of ${o.clients} clients saw the end in 120 s`)),
        120_000,
      ).unref(),
    );
    await Promise.race([allEnded, timeout]);
    const missing = seen.reduce((m, s) => m + (endSeq - s), 0);
    return {
      db: db.label,
      clients: o.clients,
      events: endSeq - 1,
      delivery: summary(lat.subarray(0, n)),
      lastClient: summary([...last.values()]),
      connectSeconds,
      missing,
    };
  } finally {
    for (const ws of sockets) ws.terminate();
    await srv.stop();
  }
}

export function report(r: Result): string {
  return [
    `fan-out — ${r.db}: ${r.clients} WebSocket clients on one session, ${r.events} live events each (${r.clients * r.events} deliveries); clients and server share the machine's cores`,
    `  delivery latency (receipt − event at) p50 ${ms(r.delivery.p50)}, p99 ${ms(r.delivery.p99)}, max ${ms(r.delivery.max)} — target p99 ≤ 50 ms: ${verdict(r.delivery.p99, 50)}`,
    `  per event, until the last client had it: p50 ${ms(r.lastClient.p50)}, p99 ${ms(r.lastClient.p99)}`,
    `  connecting ${r.clients} clients took ${r.connectSeconds.toFixed(2)} s; events missing across clients: ${r.missing}`,
  ].join("\n");
}

export const main = (t: Targets, o: Options): Promise<Result[]> =>
  each(
    t,
    "fanout",
    (db) => run(db, o),
    (r) => report(r),
  );

await alone(import.meta.url, (t, f) =>
  main(t, {
    clients: f.num("clients", defaults.clients),
    batches: f.num("batches", defaults.batches),
    batch: f.num("batch", defaults.batch),
    gap: f.num("gap", defaults.gap),
  }),
);
