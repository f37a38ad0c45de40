import type { Answer, Approval } from "@orchestrator/sdk";
import { RequestMalformedError, UnsupportedOperationError } from "@a2a-js/sdk/errors";
import type { Deps } from "../../api/deps.ts";
import * as Approvals from "../../approval/store.ts";
import type { Q } from "../../db/db.ts";
import { AppError } from "../../error.ts";
import * as Talk from "../../conversation/store.ts";
import type { Row } from "../../session/row.ts";

/**
 * A client's next message to a task it started (A2A multi-turn). While the session waits for a person
 * (`input-required`) the message is the answer; otherwise it is a person's message to the session, as
 * POST /sessions/{id}/messages takes it: a follow-up the running agent reads, or, once the task ended, the
 * prompt of a new round on the same session.
 */
export async function reply(deps: Deps, tenantId: string, row: Row, text: string, by: string): Promise<void> {
  try {
    if (row.status === "waiting") {
      const [pending] = await Approvals.list(deps.db, tenantId, {
        sessionId: row.id,
        status: "pending",
        limit: 500,
      }).then((all) => all.slice(-1)); // newest first: the oldest is what was asked first
      if (pending) {
        await Approvals.answer(deps.db, tenantId, pending.id, answerOf(pending, text), by, deps.clock.now());
        return;
      }
    }
    await Talk.send(deps.store, tenantId, row.id, { text, author: by, steer: false });
  } catch (err) {
    throw toA2a(err);
  }
}

/**
 * Text as the answer to an approval. A question takes the text for each of its questions. A permission
 * takes once, always or reject (yes and no too); any other words reject it with those words, which the
 * agent reads, so nothing the client said is lost.
 */
export function answerOf(a: Pick<Approval, "kind" | "request">, text: string): Answer {
  const words = text.trim();
  if (a.kind === "question")
    return { answers: (a.request.questions ?? [{}]).map(() => [words.slice(0, 1000)]) };
  const reply = { once: "once", yes: "once", always: "always", reject: "reject", no: "reject" }[
    words.toLowerCase()
  ] as Answer["reply"] | undefined;
  return reply ? { reply } : { reply: "reject", message: words.slice(0, 4000) };
}

/** What a waiting session asks, in words: its oldest pending approval's question(s), or null. */
export async function asked(q: Q, row: Row): Promise<string | null> {
  if (row.status !== "waiting") return null;
  const all = await Approvals.list(q, row.tenantId, { sessionId: row.id, status: "pending", limit: 500 });
  const a = all.at(-1);
  if (!a) return null;
  const r = a.request;
  if (r.questions?.length) return r.questions.map((x) => x.question).join("\n");
  return r.command ? `${r.title}: ${r.command}` : r.title;
}

/** The orchestrator's refusal as the A2A error a client can act on. */
function toA2a(err: unknown): unknown {
  if (!(err instanceof AppError)) return err;
  if (err.code === "validation_failed")
    return new RequestMalformedError(err.message.replace(/\bbody\./g, "params.message."));
  if (["invalid_transition", "not_implemented", "conflict"].includes(err.code))
    return new UnsupportedOperationError(err.message);
  return err;
}
