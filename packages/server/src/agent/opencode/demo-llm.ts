import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * The demo model: an OpenAI-compatible streaming server on loopback that answers from a script in the
 * prompt. It is a test double, not an AI — it lets a real OpenCode edit a real repository with no model
 * key and no network, and the docs and API label it so.
 *
 * A prompt holds a line `FAKE_SCRIPT: [step, step, …]` (the last one, if several); step k answers the k-th
 * model call after the last user message:
 *   {"tool":"write","args":{…}}          one tool call
 *   {"tools":[{"tool":…,"args":…},…]}    parallel tool calls
 *   {"text":"…"}                          a final answer
 *   {"error":400,"errType":"…"}           an HTTP error (errType "server_error" makes OpenCode retry)
 *   {"delayMs":N, …}                      answer slowly
 * Calls without tools (title generation) get a fixed title. A first message without a script gets the demo
 * edit (write ORCHESTRATOR_DEMO/<task>.md about the task, then say so); later ones get "echo: <message>".
 */
export const label = "demo model — a scripted fake LLM that follows FAKE_SCRIPT in the prompt; not an AI";

interface Step {
  tool?: string;
  args?: unknown;
  tools?: { tool: string; args?: unknown }[];
  text?: string;
  error?: number;
  errType?: string;
  delayMs?: number;
}

interface Message {
  role: string;
  content?: unknown;
}

export interface DemoLlm {
  /** Base URL for an OpenAI-compatible provider, ending in /v1. */
  url: string;
  /** Every chat request seen, in order (for tests). */
  requests: { n: number; tools: string[]; step: Step }[];
  close(): Promise<void>;
}

const textOf = (c: unknown): string =>
  typeof c === "string"
    ? c
    : Array.isArray(c)
      ? c.map((x) => (typeof x === "string" ? x : ((x as { text?: string }).text ?? ""))).join("")
      : "";

export function decide(body: { messages?: Message[]; tools?: unknown[] }): Step {
  const msgs = body.messages ?? [];
  const lastUser = msgs.findLastIndex((m) => m.role === "user");
  if (!body.tools?.length) return { text: "Fake session title" };
  const prompt = lastUser >= 0 ? textOf(msgs[lastUser]!.content) : "";
  // The last script rules: a prompt that holds a task and then a person's follow-up holds two.
  const tail = prompt.slice(Math.max(0, prompt.lastIndexOf("FAKE_SCRIPT:")));
  const m = /FAKE_SCRIPT:\s*(\[[\s\S]*\])\s*$/m.exec(tail) ?? /FAKE_SCRIPT:\s*(\[[\s\S]*?\])/.exec(tail);
  if (!m) {
    // A plain task as the first message gets the demo edit, so a newcomer sees a real diff; later
    // messages (a resumed run's "continue") are echoed.
    const first = msgs.filter((x) => x.role === "user").length === 1;
    if (!first) return { text: `echo: ${prompt.slice(0, 200)}` };
    const step = msgs.slice(lastUser + 1).filter((x) => x.role === "assistant").length;
    return demoEdit(prompt)[Math.min(step, 1)]!;
  }
  let script: Step[];
  try {
    script = JSON.parse(m[1]!);
  } catch (err) {
    return { text: `bad FAKE_SCRIPT: ${(err as Error).message}` };
  }
  const step = msgs.slice(lastUser + 1).filter((x) => x.role === "assistant").length;
  return script[Math.min(step, script.length - 1)] ?? { text: "script exhausted" };
}

/**
 * What the demo model does with a task it has no script for: write one file about it, named after the
 * task's first line (so the tasks of a plan, each in its own worktree, merge into one branch without
 * conflicting), then say so.
 */
function demoEdit(prompt: string): Step[] {
  const task = prompt.trim().split("\n")[0]!.slice(0, 200);
  const slug =
    task
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 60)
      .replace(/-+$/, "") || "task";
  const filePath = `ORCHESTRATOR_DEMO/${slug}.md`;
  const content =
    `# ${task}\n\n` +
    "This file was written by a real OpenCode, driven by the orchestrator's demo model: a scripted fake\n" +
    "LLM, not an AI. Configure ANTHROPIC_API_KEY or OPENAI_API_KEY to have a real model do the task.\n";
  return [
    { tool: "write", args: { filePath, content } },
    { text: `Demo model: wrote ${filePath} for "${task}". (A scripted fake LLM, not an AI.)` },
  ];
}

export async function start(port = 0): Promise<DemoLlm> {
  const requests: DemoLlm["requests"] = [];
  let seq = 0;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    if (req.method === "GET" && url.pathname.endsWith("/models")) {
      res.writeHead(200, { "content-type": "application/json" });
      return res.end(
        JSON.stringify({ object: "list", data: [{ id: "demo-model", object: "model", owned_by: "demo" }] }),
      );
    }
    if (req.method !== "POST" || !url.pathname.endsWith("/chat/completions")) {
      res.writeHead(404);
      return res.end();
    }
    let raw = "";
    for await (const chunk of req) raw += chunk;
    const body = JSON.parse(raw || "{}");
    const n = ++seq;
    const step = decide(body);
    requests.push({
      n,
      tools: (body.tools ?? []).map((t: { function?: { name?: string } }) => t.function?.name ?? ""),
      step,
    });
    if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
    if (step.error) {
      res.writeHead(step.error, { "content-type": "application/json" });
      return res.end(
        JSON.stringify({
          error: { message: `demo error ${step.error}`, type: step.errType ?? "server_error", code: null },
        }),
      );
    }
    stream(res, body, n, step);
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}/v1`,
    requests,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** The OpenAI chat.completion.chunk SSE that OpenCode's openai-compatible provider reads. */
function stream(
  res: http.ServerResponse,
  body: { model?: string; stream?: boolean },
  n: number,
  step: Step,
): void {
  const id = `chatcmpl-demo-${n}`;
  const created = Math.floor(Date.now() / 1000);
  const model = body.model ?? "demo-model";
  const calls = step.tools ?? (step.tool ? [{ tool: step.tool, args: step.args }] : []);
  const text = step.text ?? (calls.length ? "" : "ok");
  const finish = calls.length ? "tool_calls" : "stop";
  const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
  const toolCalls = calls.map((c, i) => ({
    id: `call_${n}_${i}`,
    type: "function",
    function: { name: c.tool, arguments: JSON.stringify(c.args ?? {}) },
  }));
  if (!body.stream) {
    res.writeHead(200, { "content-type": "application/json" });
    const message = {
      role: "assistant",
      content: text || null,
      tool_calls: calls.length ? toolCalls : undefined,
    };
    return void res.end(
      JSON.stringify({
        id,
        object: "chat.completion",
        created,
        model,
        usage,
        choices: [{ index: 0, finish_reason: finish, message }],
      }),
    );
  }
  res.writeHead(200, {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    connection: "keep-alive",
  });
  const send = (obj: unknown) => res.write(`data: ${JSON.stringify(obj)}\n\n`);
  const chunk = (delta: unknown, finishReason: string | null = null) =>
    send({
      id,
      object: "chat.completion.chunk",
      created,
      model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    });
  chunk({ role: "assistant", content: "" });
  for (let i = 0; i < text.length; i += 8) chunk({ content: text.slice(i, i + 8) });
  toolCalls.forEach((c, i) => {
    chunk({
      tool_calls: [
        { index: i, id: c.id, type: "function", function: { name: c.function.name, arguments: "" } },
      ],
    });
    const args = c.function.arguments;
    for (let j = 0; j < args.length; j += 16)
      chunk({ tool_calls: [{ index: i, function: { arguments: args.slice(j, j + 16) } }] });
  });
  chunk({}, finish);
  send({ id, object: "chat.completion.chunk", created, model, choices: [], usage });
  res.end("data: [DONE]\n\n");
}
