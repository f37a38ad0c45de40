// Child process: one A2A agent built with the official @a2a-js/sdk (its express server, streaming), echoing
// each task at once. It registers with the orchestrator by its Agent Card, prints {ready}, and on SIGTERM
// stops and prints how many tasks it ran.
import { SdkAgent } from "../../packages/server/test/a2a-agent.ts";
import { reply } from "./child.ts";
import type { Done, Plan, Ready } from "./fleet.ts";

const plan = JSON.parse(process.argv[2] ?? "{}") as Plan;
const agent = new SdkAgent();
const cardUrl = await agent.start({ streaming: true, skills: [{ id: "echo", tags: plan.capabilities }] });
const res = await fetch(`${plan.url}/api/v1/agents`, {
  method: "POST",
  headers: { authorization: `Bearer ${plan.key}`, "content-type": "application/json" },
  body: JSON.stringify({ kind: "a2a", cardUrl, name: `${plan.prefix}-0`, capacity: plan.capacity }),
});
if (res.status !== 201) throw new Error(`registering the A2A agent: ${res.status} ${await res.text()}`);
reply({ ready: 1 } satisfies Ready);

process.once("SIGTERM", () => {
  agent.stop();
  process.stdout.write(JSON.stringify({ handled: [agent.seen.length] } satisfies Done) + "\n", () =>
    process.exit(0),
  );
});
