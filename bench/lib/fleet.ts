// Child process: N external agents built with the Agent SDK, each answering its tasks at once. Prints
// {ready} once all are registered and online, then on SIGTERM stops them (no drain) and prints how many
// tasks each one ran.
import { Agent } from "@orchestrator/agent-sdk";
import { reply } from "./child.ts";

export interface Plan {
  url: string;
  key: string;
  /** The orchestrator's gRPC address, for stream mode. */
  grpc: string | null;
  /** `a2a`: one A2A agent instead (bench/lib/a2a-fleet.ts). */
  mode: "push" | "pull" | "stream" | "a2a";
  n: number;
  capacity: number;
  capabilities: string[];
  /** Agent names are `<prefix>-<i>`: unique in the tenant. */
  prefix: string;
}

export interface Ready {
  ready: number;
}

export interface Done {
  handled: number[];
}

const plan = JSON.parse(process.argv[2] ?? "{}") as Plan;
const handled = new Array<number>(plan.n).fill(0);
const agents = Array.from({ length: plan.n }, (_, i) =>
  new Agent({
    url: plan.url,
    apiKey: plan.key,
    name: `${plan.prefix}-${i}`,
    capabilities: plan.capabilities,
    mode: plan.mode === "a2a" ? "pull" : plan.mode,
    capacity: plan.capacity,
    grpc: plan.grpc ?? undefined,
    log: () => {},
  }).handle(() => {
    handled[i]!++;
    return "ok";
  }),
);
await Promise.all(agents.map((a) => a.start()));
reply({ ready: agents.length } satisfies Ready);

process.once("SIGTERM", () => {
  Promise.all(agents.map((a) => a.stop({ drain: false }))).then(
    // Exit only once the line is written: a pipe's write may still be pending.
    () => process.stdout.write(JSON.stringify({ handled } satisfies Done) + "\n", () => process.exit(0)),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
});
