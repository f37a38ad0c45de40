import * as readline from "node:readline/promises";
import { ApiError, type Client } from "@orchestrator/sdk";
import * as Out from "./output.ts";

/** A line typed while `run` streams, as a message: `!` first steers. Null for a blank line. Pure. */
export function said(line: string): { text: string; steer: boolean } | null {
  const t = line.trim();
  if (!t) return null;
  if (t.startsWith("!")) {
    const text = t.slice(1).trim();
    return text ? { text, steer: true } : null;
  }
  return { text: t, steer: false };
}

export const hint =
  "  (type a message and press Enter to tell the agent; start it with ! to steer; Ctrl-C detaches)";

/** Follow-ups from the terminal while `run` streams one session. */
export interface Talk {
  /** The terminal's readline, shared with the inline approvals (prompt.ts). */
  rl: readline.Interface;
  /** The session's status changed: lines typed before its agent started are sent once it runs. */
  status(to: string): void;
  /** Stop reading (the follow ended); messages on their way are still sent. */
  close(): Promise<void>;
}

/**
 * Each line a person types goes to the agent as a message, in order; a line starting with `!` steers
 * (stops the current turn and becomes the next prompt). Lines typed before the agent has started are
 * held, since a session not routed yet takes no messages. Ctrl-C detaches (`onInterrupt`); Ctrl-D stops
 * reading (`onEnd`).
 */
export function talk(client: Client, id: string, onInterrupt: () => void, onEnd: () => void): Talk {
  const rl = readline.createInterface({ input: process.stdin, output: process.stdout });
  const held: { text: string; steer: boolean }[] = [];
  let started = false;
  let closed = false;
  let chain = Promise.resolve();

  const send = (m: { text: string; steer: boolean }) => {
    chain = chain.then(async () => {
      try {
        const sent = await client.sessions.send(id, m.text, { steer: m.steer });
        Out.print(
          sent.newRound
            ? `  → sent: the session had ended; it is ${sent.session.status} for round ${sent.message.round + 1}`
            : m.steer
              ? "  → steering: the agent's current turn stops, and this is its next prompt"
              : "  → sent: the agent reads it at its next turn",
        );
      } catch (err) {
        Out.warn(
          `  ! not sent: ${err instanceof ApiError || err instanceof Error ? err.message : String(err)}`,
        );
      }
    });
  };

  rl.on("line", (line) => {
    const m = said(line);
    if (!m) return;
    if (started) return send(m);
    held.push(m);
    Out.print("  · held: it is sent once the agent starts");
  });
  rl.on("SIGINT", onInterrupt);
  rl.on("close", () => {
    if (!closed) onEnd();
  });

  return {
    rl,
    status(to) {
      if (started || (to !== "running" && to !== "waiting")) return;
      started = true;
      for (const m of held.splice(0)) send(m);
    },
    async close() {
      closed = true;
      // Closing releases standard input, so the process can exit when the follow ends.
      rl.close();
      await chain;
    },
  };
}
