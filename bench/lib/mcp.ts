// The MCP part of bench/context.ts: one in-process server with one OpenCode server, a plan task whose
// scripted session calls the orchestrator's MCP tool and a built-in tool, and the same read from here.
import path from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { createOpencodeClient } from "@opencode-ai/sdk/v2";
import { gitRepo, rig, within } from "./opencode.ts";

export interface Round {
  opencodeMcp: number[];
  opencodeRead: number[];
  clientMcp: number[];
  rest: number[];
}

type Part = {
  type: string;
  tool?: string;
  state?: { status?: string; time?: { start?: number; end?: number } };
};

export async function mcpRound(root: string, calls: number): Promise<Round> {
  const repos = path.join(root, "repos");
  const repo = await gitRepo(path.join(repos, "app"), { "notes.md": "one\n" });
  const r = await rig(root, repos, 2);
  try {
    const steps = [
      ...Array.from({ length: calls }, () => ({ tool: "orchestrator_context_get", args: {} })),
      ...Array.from({ length: calls }, () => ({ tool: "read", args: { filePath: "notes.md" } })),
      { text: "done" },
    ];
    const plan = await r.client.plans.create({
      title: "mcp bench",
      start: true,
      workspace: { repo },
      tasks: [{ key: "t", title: "t", prompt: `Read the context.\nFAKE_SCRIPT: ${JSON.stringify(steps)}` }],
    });
    const done = await within(600_000, "the bench plan", async () => {
      for (;;) {
        const p = await r.client.plans.get(plan.id);
        if (["succeeded", "failed", "partially_succeeded", "cancelled"].includes(p.status)) return p;
        await new Promise((res) => setTimeout(res, 200));
      }
    });
    if (done.status !== "succeeded") throw new Error(`the bench plan ended ${done.status}`);
    const session = await r.client.sessions.get(done.tasks[0]!.sessionId!);
    const ocSession = (session.result as { opencodeSession: string }).opencodeSession;
    const oc = createOpencodeClient({
      baseUrl: r.oc.url,
      directory: repo,
      headers: { authorization: r.oc.auth },
    });
    const msgs = (await oc.session.messages({ sessionID: ocSession })).data ?? [];
    const parts = msgs.flatMap((m) => m.parts as Part[]).filter((p) => p.type === "tool");
    const took = (name: string) =>
      parts
        .filter((p) => p.tool === name && p.state?.status === "completed")
        .map((p) => p.state!.time!.end! - p.state!.time!.start!);

    const doc = (await r.client.contexts.list({ scope: "plan", ownerId: plan.id, name: "main" }))[0]!;
    const key = r.server.adminKey!;
    const rest: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await r.client.contexts.list({ scope: "plan", ownerId: plan.id, name: "main" });
      await r.client.contexts.get(doc.id);
      rest.push(performance.now() - t0);
    }
    const mcp = new Client({ name: "bench", version: "1" });
    await mcp.connect(
      new StreamableHTTPClientTransport(new URL(`${r.server.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${key}` } },
      }),
    );
    const clientMcp: number[] = [];
    for (let i = 0; i < calls; i++) {
      const t0 = performance.now();
      await mcp.callTool({
        name: "contexts_list",
        arguments: { scope: "plan", ownerId: plan.id, name: "main" },
      });
      await mcp.readResource({ uri: `context://${doc.id}` });
      clientMcp.push(performance.now() - t0);
    }
    await mcp.close();
    return { opencodeMcp: took("orchestrator_context_get"), opencodeRead: took("read"), clientMcp, rest };
  } finally {
    await r.stop();
  }
}
