import type { CancelResults } from "@orchestrator/sdk";
import { AppError } from "../error.ts";
import * as Store from "./store.ts";

/**
 * Cancel each session as its own POST …/cancel would, one after another. What refuses one session (it has
 * ended, it does not exist, another writer kept moving it) becomes that session's result, not the answer's:
 * the others are still cancelled. Anything else (the database is gone) fails the whole request.
 */
export async function cancel(
  ctx: Store.Ctx,
  tenantId: string,
  ids: string[],
  reason: string | undefined,
  by?: string,
): Promise<CancelResults> {
  const results: CancelResults["results"] = [];
  for (const id of ids) {
    try {
      const row = await Store.transition(ctx, id, { type: "cancel", reason }, { tenantId, reason, by });
      results.push({ id, ok: true, status: row.status });
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      const status = (err.details as { status?: CancelResults["results"][number]["status"] } | undefined)
        ?.status;
      results.push({
        id,
        ok: false,
        ...(status ? { status } : {}),
        error: { code: err.code, message: err.message },
      });
    }
  }
  return { results };
}
