import * as readline from "node:readline/promises";
import { type Answer, type Approval, ApiError, type Client } from "@orchestrator/sdk";
import * as Ask from "./approval.ts";
import * as Out from "./output.ts";

/**
 * Inline approvals on a terminal. The live view hands each `approval.requested` here and goes on
 * following: the prompt never blocks the event stream, so keep-alives still arrive (a prompt open for
 * minutes must not read as a dead connection) and an answer given elsewhere — the dashboard, another
 * `approve`, the timeout policy, a cancel — closes the prompt through `settle`. One prompt at a time.
 */
export interface Prompter {
  /** Ask about this approval when its turn comes; false when no longer asking (Ctrl-D closed input). */
  add(approvalId: string): boolean;
  /** It was answered, expired or withdrawn: drop it, closing its prompt if it is open. */
  settle(approvalId: string): void;
  /** The follow has ended: close whatever is open. */
  close(): void;
}

/**
 * `shared`: the terminal's one readline when `run` also reads follow-ups from it (talk.ts). Its owner
 * handles Ctrl-C and Ctrl-D and closes it; a line typed while a prompt is open answers the prompt, since
 * readline gives a pending question the line before anyone else.
 */
export function prompter(client: Client, onInterrupt: () => void, shared?: readline.Interface): Prompter {
  const queue: string[] = [];
  const settled = new Set<string>();
  let current: { id: string; stop: AbortController } | null = null;
  let running = false;
  let closed = false;

  async function drain(): Promise<void> {
    if (running) return;
    running = true;
    const rl = shared ?? readline.createInterface({ input: process.stdin, output: process.stdout });
    let done = false;
    if (!shared) {
      // Raw mode turns Ctrl-C into the interface's SIGINT; without this it would do nothing at a prompt.
      rl.on("SIGINT", onInterrupt);
      // Ctrl-D: the person is done answering here. Stop asking; later requests print how to answer.
      rl.on("close", () => {
        if (!done) stopAsking();
      });
    }
    try {
      for (let id = queue.shift(); id !== undefined && !closed; id = queue.shift()) {
        if (settled.has(id)) continue;
        const stop = new AbortController();
        current = { id, stop };
        await ask(rl, id, stop.signal).catch((err: unknown) => {
          if (stop.signal.aborted) return; // closed on purpose: answered elsewhere, or the follow ended
          Out.warn(`could not answer approval ${id}: ${err instanceof Error ? err.message : String(err)}`);
          Out.warn(`answer it with: orchestrator approve ${id} …`);
        });
        current = null;
      }
    } finally {
      running = false;
      done = true;
      // Closing releases standard input, so the process can exit when the follow ends.
      if (!shared) rl.close();
    }
  }

  async function ask(rl: readline.Interface, id: string, signal: AbortSignal): Promise<void> {
    // Fresh from the server: a replayed request may have been answered already.
    const a = await client.approvals.get(id);
    if (a.status !== "pending" || signal.aborted) return;
    const answer = await read(rl, a, signal);
    if (!answer) return;
    try {
      await client.approvals.answer(id, answer);
    } catch (err) {
      if (!(err instanceof ApiError) || err.code !== "conflict") throw err;
      Out.print(`  · ${err.message}`); // someone else was first
    }
  }

  /** Ask until the input makes an answer; null when the prompt was closed. */
  async function read(rl: readline.Interface, a: Approval, signal: AbortSignal): Promise<Answer | null> {
    const line = async (query: string): Promise<string | null> => {
      try {
        return await rl.question(query, { signal });
      } catch (err) {
        if (!signal.aborted) throw err;
        return null; // readline has ended the abandoned prompt's line
      }
    };
    if (a.kind === "permission") {
      Out.print(`  ? ${Ask.what(a.request)}`);
      for (const l of Ask.details(a.request)) Out.print(l);
      for (;;) {
        const input = await line(Ask.permissionPrompt());
        if (input === null) return null;
        const answer = Ask.permission(input);
        if (answer) return answer;
        Out.print(`  type o (once), a (always) or r (reject), optionally "r <why>"`);
      }
    }
    const answers: string[][] = [];
    for (const q of a.request.questions ?? []) {
      for (const l of Ask.questionLines(q)) Out.print(l);
      let choice: string[] | "reject" | null = null;
      while (choice === null) {
        const input = await line(Ask.questionPrompt(q));
        if (input === null) return null;
        choice = Ask.reply(q, input);
      }
      if (choice === "reject") return { reply: "reject" };
      answers.push(choice);
    }
    return { answers };
  }

  function stopAsking(): void {
    closed = true;
    current?.stop.abort();
  }

  return {
    add(id) {
      if (closed) return false;
      queue.push(id);
      void drain();
      return true;
    },
    settle(id) {
      settled.add(id);
      if (current?.id === id) current.stop.abort();
    },
    close: stopAsking,
  };
}
