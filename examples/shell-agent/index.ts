// An EAP agent that runs the prompt as a shell command and reports its output as it goes:
//   ORCHESTRATOR_URL=… ORCHESTRATOR_API_KEY=… npx tsx examples/shell-agent/index.ts
// Sessions that ask for capability `x-shell` come here. Only run it where its tenant may run commands.
import { spawn } from "node:child_process";
import { Agent, TaskFailed } from "@orchestrator/agent-sdk";

const agent = new Agent({
  url: process.env.ORCHESTRATOR_URL ?? "http://127.0.0.1:8080",
  apiKey: process.env.ORCHESTRATOR_API_KEY,
  name: process.env.EAP_NAME ?? "shell",
  capabilities: ["x-shell"],
  capacity: 2,
  mode: (process.env.EAP_MODE as "pull" | "push" | "stream" | undefined) ?? "pull",
  credentialsFile: process.env.EAP_CREDENTIALS,
  grpc: process.env.ORCHESTRATOR_GRPC,
});

agent.handle(async (task, ctx) => {
  const child = spawn("sh", ["-c", task.input], { signal: task.signal, cwd: process.env.SHELL_AGENT_CWD });
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
