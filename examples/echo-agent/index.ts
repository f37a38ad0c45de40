// An EAP agent that echoes the prompt back. Run it against a running orchestrator:
//   ORCHESTRATOR_URL=http://127.0.0.1:7420 ORCHESTRATOR_API_KEY=io_… npx tsx examples/echo-agent/index.ts
// EAP_MODE=push|pull|stream, EAP_NAME, EAP_CREDENTIALS, ORCHESTRATOR_GRPC: see fromEnv in the SDK. Sessions that ask for capability `x-echo` come here.
import { Agent, fromEnv } from "@orchestrator/agent-sdk";

const agent = new Agent(fromEnv({ name: "echo", capabilities: ["x-echo"] }));

agent.handle(async (task, ctx) => {
  await ctx.message(`echo: ${task.input}`);
  return { output: { echo: task.input } };
});

await agent.start();
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.once(sig, () => void agent.stop().then(() => process.exit(0)));
