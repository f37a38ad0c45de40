import type { OpencodeClient } from "@opencode-ai/sdk/v2";
import type { AgentEvent, Said, Talk } from "../agent.ts";
import { settleIdle, whenFree } from "./conversation.ts";

type Sent = { error?: unknown };
type Msg = {
  info: { id: string; role: string; time?: { completed?: number } };
  parts: { type: string; text?: string }[];
};

/**
 * People's messages during a run, handed to OpenCode. A prompt to a busy session is OpenCode's own
 * queue: the message joins the conversation and its loop reads it after the current step (seen on
 * 1.18.33: a prompt sent mid-tool was answered in the same loop, with one `session.idle` at the end).
 * Steering aborts the turn and waits until OpenCode is idle before the prompt.
 *
 * `session.idle` alone does not end a run: an abort brings one of its own, and a prompt accepted with
 * 204 joins the conversation a moment later. So the run counts the user messages it expects and ends
 * only when the conversation holds them all, the last one answered.
 */
export class Turns {
  private readonly client: OpencodeClient;
  private readonly sessionID: string;
  private readonly talk: Talk;
  private readonly send: (text: string) => Promise<Sent>;
  private readonly handed: Set<string>;
  private expected = 0;

  constructor(client: OpencodeClient, sessionID: string, talk: Talk, send: (text: string) => Promise<Sent>) {
    this.client = client;
    this.sessionID = sessionID;
    this.talk = talk;
    this.send = send;
    this.handed = new Set(talk.waiting.map((m) => m.id));
  }

  /** The run's first prompt: counted on top of what the conversation already holds. */
  async first(text: string): Promise<Sent> {
    this.expected = (await this.messages()).filter((m) => m.info.role === "user").length;
    const sent = await whenFree(this.client, this.sessionID, () => this.send(text));
    if (!sent.error) {
      this.expected++;
      await this.talk.delivered([...this.handed]);
    }
    return sent;
  }

  /** Hand over the messages not handed yet (a steer stops the current turn first); what to log, if any. */
  async hand(): Promise<AgentEvent | null> {
    const fresh = (await this.talk.pending()).filter((m) => !this.handed.has(m.id));
    if (!fresh.length) return null;
    const steer = fresh.some((m) => m.steer);
    if (steer) await this.stop();
    const sent = await whenFree(this.client, this.sessionID, () => this.send(words(fresh)));
    if (sent.error) throw new Error(`opencode refused a person's message: ${JSON.stringify(sent.error)}`);
    this.expected++;
    for (const m of fresh) this.handed.add(m.id);
    await this.talk.delivered(fresh.map((m) => m.id));
    // The messages are in the log with their authors (session.message): this says what became of them.
    const n = fresh.length === 1 ? "a message" : `${fresh.length} messages`;
    return {
      type: "log",
      level: "info",
      text: steer
        ? `stopped the agent's turn: ${n} from a person ${fresh.length === 1 ? "is" : "are"} its next prompt`
        : `handed ${n} from a person to the agent, read at its next turn`,
    };
  }

  /**
   * At `session.idle`: whether the agent has answered all it was told, the answer complete. A message
   * OpenCode left unanswered (it came just as its loop ended) is taken out and sent again.
   */
  async finished(): Promise<boolean> {
    const msgs = await this.messages();
    if (msgs.filter((m) => m.info.role === "user").length < this.expected) return false; // on its way
    const last = msgs.at(-1);
    // An answer still being written: a stray idle (an abort's) came after the next turn began.
    if (last?.info.role !== "user") return !last || Boolean(last.info.time?.completed);
    if (await this.busyWithin(3000)) return false;
    const text = last.parts.flatMap((p) => (p.type === "text" && p.text ? [p.text] : [])).join("\n\n");
    if (!text) return true; // not words of ours (OpenCode's own bookkeeping): nothing to say again
    await this.client.session.deleteMessage({ sessionID: this.sessionID, messageID: last.info.id });
    const sent = await this.send(text);
    if (sent.error) throw new Error(`opencode refused a message again: ${JSON.stringify(sent.error)}`);
    return false;
  }

  /**
   * Stop the turn under way. A prompt accepted with 204 joins the conversation and starts its loop a
   * moment later, and an abort before that stops nothing: so first wait until all we sent is there and,
   * unless its answer is complete, until OpenCode is busy with it.
   */
  private async stop(): Promise<void> {
    const end = performance.now() + 10_000;
    let msgs = await this.messages();
    while (msgs.filter((m) => m.info.role === "user").length < this.expected && performance.now() < end) {
      await new Promise((r) => setTimeout(r, 100));
      msgs = await this.messages();
    }
    const last = msgs.at(-1);
    const working = last && (last.info.role === "user" || !last.info.time?.completed);
    if (!working || !(await this.busyWithin(3000))) return; // the turn ended on its own
    await this.client.session.abort({ sessionID: this.sessionID });
    await settleIdle(this.client, this.sessionID);
  }

  private async messages(): Promise<Msg[]> {
    return ((await this.client.session.messages({ sessionID: this.sessionID })).data ?? []) as Msg[];
  }

  /** A prompt's loop starts a moment after its message appears; idle sessions are absent from the list. */
  private async busyWithin(ms: number): Promise<boolean> {
    const end = performance.now() + ms;
    for (;;) {
      const all = ((await this.client.session.status()).data ?? {}) as Record<string, { type: string }>;
      if (all[this.sessionID] && all[this.sessionID]!.type !== "idle") return true;
      if (performance.now() > end) return false;
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

/** Several messages handed over at once are one prompt, in the order sent. */
const words = (msgs: Said[]) => msgs.map((m) => m.text).join("\n\n");
