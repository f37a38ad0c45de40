// An EAP agent that runs the prompt as a shell command and reports its output as it goes:
//   ORCHESTRATOR_URL=http://127.0.0.1:7420 ORCHESTRATOR_API_KEY=io_… npx tsx examples/shell-agent/index.ts
// Sessions that ask for capability `x-shell` come here. Only run it where its tenant may run commands.
import { spawn } from "node:child_process";
import { Agent, TaskFailed, fromEnv } from "@orchestrator/agent-sdk";

const agent = new Agent(fromEnv({ name: "shell", capabilities: ["x-shell"], capacity: 2 }));

agent.handle(async (task, ctx) => {
  const child = spawn("sh", ["-c", task.input], { signal: task.signal });
  let out = "";
  for (const stream of [child.stdout, child.stderr])
    stream.on("data", (chunk: Buffer) => {
      out += chunk;
      void ctx.log(chunk.toString(), stream === child.stderr ? "warn" : "info");
    });
  const code = await new Promise<number | null>((resolve) => {
    child.on("close", resolve);
    child.on("error", () => resolve(null));
  });
  if (code !== 0) throw new TaskFailed(`exit ${code ?? "signal"}: ${out.slice(-2000)}`, { retryable: false });
  return { output: out, artifacts: [{ path: "stdout.txt", content: out }] };
});

await agent.start();
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.once(sig, () => void agent.stop().then(() => process.exit(0)));
