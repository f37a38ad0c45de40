// An EAP agent that echoes the prompt back. Run it against a running orchestrator:
//   ORCHESTRATOR_URL=http://127.0.0.1:8080 ORCHESTRATOR_API_KEY=iok_… npx tsx examples/echo-agent/index.ts
// EAP_MODE=push|pull|stream picks how it takes tasks. Sessions that ask for capability `x-echo` come here.
import { Agent } from "@orchestrator/agent-sdk";

const agent = new Agent({
  url: process.env.ORCHESTRATOR_URL ?? "http://127.0.0.1:8080",
  apiKey: process.env.ORCHESTRATOR_API_KEY,
  name: process.env.EAP_NAME ?? "echo",
  capabilities: ["x-echo"],
  mode: (process.env.EAP_MODE as "pull" | "push" | "stream" | undefined) ?? "pull",
  credentialsFile: process.env.EAP_CREDENTIALS,
  grpc: process.env.ORCHESTRATOR_GRPC,
});

agent.handle(async (task, ctx) => {
  await ctx.message(`echo: ${task.input}`);
  return { output: { echo: task.input } };
});

await agent.start();
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.once(sig, () => void agent.stop().then(() => process.exit(0)));
