import { sql } from "drizzle-orm";
import { type Diff, type Round, WorkspaceResult } from "@orchestrator/sdk";
import type { Q } from "../db/db.ts";
import { AppError } from "../error.ts";
import * as Projects from "../project/store.ts";
import type { Row } from "../session/row.ts";
import * as Sessions from "../session/store.ts";
import { toIso } from "../time.ts";
import { diff } from "../workspace/worktree.ts";
import { type Span, split } from "./rounds.ts";

/** The entry types rounds are read from; the rest of the log (the agent's output) is not read. */
const kinds = [
  "session.created",
  "session.status",
  "session.checkpoint",
  "session.restored",
  "session.message",
];

/** A session's rounds, each with its diff's size: its branch from where each began to where it ended. */
export async function rounds(q: Q, tenantId: string, id: string): Promise<Round[]> {
  const { spans, repo } = await spansOf(q, tenantId, id);
  // One `git diff --numstat` per round, without the patch: a round list stays cheap to read.
  return Promise.all(
    spans.map(async (s) => {
      const d = await diff({ path: repo, base: s.from, branch: s.to }, false);
      return { ...s, files: d.files.length, additions: d.additions, deletions: d.deletions };
    }),
  );
}

/** One round's diff, or the whole branch's against its base without `round`. */
export async function roundDiff(q: Q, tenantId: string, id: string, round?: number): Promise<Diff> {
  const { spans, repo, base } = await spansOf(q, tenantId, id);
  if (round === undefined) return diff({ path: repo, base, branch: spans.at(-1)?.to ?? base });
  const s = spans[round - 1];
  if (!s)
    throw new AppError("validation_failed", `query.round: session ${id} has ${spans.length} round(s)`, {
      issues: [{ path: "query.round", message: `at most ${spans.length}` }],
    });
  return diff({ path: repo, base: s.from, branch: s.to });
}

async function spansOf(
  q: Q,
  tenantId: string,
  id: string,
): Promise<{ spans: Span[]; repo: string; base: string }> {
  const row = await Sessions.get(q, tenantId, id);
  const r = WorkspaceResult.safeParse(row.result);
  const repo = await repoOf(q, row);
  if (!r.success || !r.data.base || !repo)
    throw new AppError(
      "not_found",
      `session ${id} has no diff: it worked in no repository, or its first round has not ended`,
      { status: row.status },
    );
  const log = await q.rows(sql`
    select type, at, data from session_events
    where session_id = ${id} and type in (${sql.join(
      kinds.map((k) => sql`${k}`),
      sql`, `,
    )}) order by seq`);
  const entries = log.map((e) => ({
    type: String(e.type),
    at: toIso(e.at)!,
    data: (e.data ?? {}) as Record<string, unknown>,
  }));
  return { spans: split(r.data.base, entries), repo, base: r.data.base };
}

/** The repository the session's commits are in (a worktree shares its repository's objects). */
async function repoOf(q: Q, row: Row): Promise<string | null> {
  if (row.workspace?.repo) return row.workspace.repo;
  if (row.projectId) return (await Projects.get(q, row.tenantId, row.projectId)).path;
  return null;
}
