import type { OpencodeClient } from "@opencode-ai/sdk/v2";
import { Fatal } from "../agent.ts";

// The OpenCode conversation behind a session: finding, rewinding and forking it, and waiting until
// OpenCode will take a prompt for it.

type Messages = { info: { id: string } }[];

/** The message after `messageId` (the first one a rewind or fork leaves out), or undefined if none. */
async function after(
  client: OpencodeClient,
  sessionID: string,
  messageId: string | null,
): Promise<string | undefined> {
  const msgs = ((await client.session.messages({ sessionID })).data ?? []) as Messages;
  if (messageId === null) return msgs[0]?.info.id;
  const i = msgs.findIndex((m) => m.info.id === messageId);
  return i >= 0 ? msgs[i + 1]?.info.id : undefined;
}

type Message = { info: { id: string }; parts: { id: string; type: string }[] };

/**
 * Drop everything after the checkpoint's step. OpenCode reverts a whole turn when given a message, but
 * from a part when given one inside a message with work before it: so we revert from the step's
 * `step-finish` part, which keeps the step's tool calls and drops all that followed.
 */
export async function rewindConversation(
  client: OpencodeClient,
  sessionID: string,
  messageId: string,
): Promise<void> {
  const msgs = ((await client.session.messages({ sessionID })).data ?? []) as Message[];
  const i = msgs.findIndex((m) => m.info.id === messageId);
  if (i < 0)
    throw new Fatal(`the checkpoint's message ${messageId} is not in the conversation`, "rewind_failed");
  const finish = msgs[i]!.parts.find((p) => p.type === "step-finish");
  if (!finish && i === msgs.length - 1) return; // nothing after it to drop
  const r = await whenFree(client, sessionID, () =>
    client.session.revert({ sessionID, messageID: messageId, ...(finish ? { partID: finish.id } : {}) }),
  );
  if (r.error) throw new Error(`opencode could not rewind the conversation: ${JSON.stringify(r.error)}`);
}

/**
 * A conversation we take over may still be marked busy (its last run died mid-step): abort it and wait
 * until OpenCode lists it idle (idle sessions are absent from /session/status).
 */
export async function settleIdle(client: OpencodeClient, sessionID: string, ms = 15_000): Promise<void> {
  const end = performance.now() + ms;
  let aborted = false;
  for (;;) {
    const all = ((await client.session.status()).data ?? {}) as Record<string, { type: string }>;
    if (!all[sessionID] || all[sessionID].type === "idle") return;
    if (!aborted) {
      aborted = true;
      await client.session.abort({ sessionID }).catch(() => {});
    }
    if (performance.now() > end) throw new Error(`opencode session ${sessionID} stayed busy for ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * Call `fn` on a session that OpenCode may still hold busy for a moment though its status says idle: just
 * after its directory's instance was disposed and booted again, a revert answered SessionBusyError. Wait
 * for it (aborting it if it really runs) and try again, for up to `ms`.
 */
export async function whenFree<T extends { error?: unknown }>(
  client: OpencodeClient,
  sessionID: string,
  fn: () => Promise<T>,
  ms = 15_000,
): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const r = await fn();
    const busy = (r.error as { _tag?: string } | undefined)?._tag === "SessionBusyError";
    if (!busy || performance.now() > end) return r;
    await settleIdle(client, sessionID);
    await new Promise((res) => setTimeout(res, 250));
  }
}

/** A copy of a conversation up to the checkpoint's message; null when the original is gone. */
export async function forkConversation(
  client: OpencodeClient,
  from: { opencodeSession: string; messageId: string | null },
  directory: string,
): Promise<string | null> {
  if (!(await exists(client, from.opencodeSession))) return null;
  const upto = await after(client, from.opencodeSession, from.messageId);
  const r = await client.session.fork({
    sessionID: from.opencodeSession,
    ...(upto ? { messageID: upto } : {}),
  });
  if (!r.data) return null;
  if (r.data.directory === directory) return r.data.id;
  // A fork stays in its original's directory, where its tools would then write: move it to our worktree.
  const moved = await client.experimental.controlPlane.moveSession({
    sessionID: r.data.id,
    destination: { directory },
    moveChanges: false,
  });
  if (moved.error)
    throw new Error(`opencode could not move the forked session: ${JSON.stringify(moved.error)}`);
  const check = await client.session.get({ sessionID: r.data.id });
  if (check.data?.directory !== directory)
    throw new Fatal(
      `the forked OpenCode session stayed in ${check.data?.directory}, not ${directory}`,
      "fork_failed",
    );
  return r.data.id;
}

/** Whether OpenCode still has the conversation. Only a 404 says no: any other failure fails the attempt,
 * rather than starting the task afresh in a worktree that holds work. */
export async function exists(client: OpencodeClient, sessionID: string): Promise<boolean> {
  const got = await client.session.get({ sessionID });
  if (got.data) return true;
  if (got.response?.status === 404) return false;
  throw new Error(`opencode could not look up session ${sessionID}: ${JSON.stringify(got.error)}`);
}
