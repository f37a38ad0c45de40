import client from "prom-client";

/** One registry per server instance, so several servers in one test process do not collide. */
export function create() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new client.Counter({ name, help, labelNames, registers: [registry] });
  return {
    registry,
    http: new client.Histogram({
      name: "http_request_duration_seconds",
      help: "HTTP request duration by route and status",
      labelNames: ["method", "route", "status"],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
    claims: counter("orchestrator_claims_total", "Sessions claimed by this node"),
    expiries: counter("orchestrator_lease_expiries_total", "Expired leases reaped by this node"),
    retries: counter("orchestrator_retries_total", "Attempts that failed and were queued again"),
    timeouts: counter("orchestrator_timeouts_total", "Sessions moved to timeout by this node"),
    outcomes: counter("orchestrator_session_outcomes_total", "Attempts ended by this node, by outcome", [
      "outcome",
    ]),
    webhooks: counter(
      "orchestrator_webhook_attempts_total",
      "Webhook delivery attempts made by this node, by result: delivered, retry (due again) or failed",
      ["result"],
    ),
    /** Filled at scrape time from the database (see api/ops.ts). */
    byStatus: new client.Gauge({
      name: "orchestrator_sessions",
      help: "Sessions by status (all tenants)",
      labelNames: ["status"],
      registers: [registry],
    }),
    running: new client.Gauge({
      name: "orchestrator_running",
      help: "Sessions this node is running",
      registers: [registry],
    }),
    streams: new client.Gauge({
      name: "orchestrator_stream_subscribers",
      help: "Open event stream subscribers",
      registers: [registry],
    }),
  };
}
export type Metrics = ReturnType<typeof create>;
