import { readdir, rm } from "node:fs/promises";
import path from "node:path";
import { sql } from "drizzle-orm";
import type { Db } from "../db/db.ts";
import type { Log } from "../log.ts";
import { git, ok } from "./git.ts";

/**
 * Removes worktrees of sessions that ended more than their project's retention ago (or `defaultHours` for
 * sessions without a project), and of sessions that were deleted. Branches are never deleted here: they
 * are the sessions' results. A session that has not ended keeps its worktree whatever its age.
 */
export async function sweep(
  db: Db,
  log: Log,
  root: string,
  now: Date,
  defaultHours: number,
): Promise<string[]> {
  const names = await readdir(root).catch(() => [] as string[]);
  const ids = names.filter((n) => /^[0-9a-f-]{36}$/.test(n));
  if (!ids.length) return [];
  // One query decides for every directory: ended long enough ago, or deleted. Live sessions never match.
  const rows = await db.rows(sql`
    select s.id from sessions s left join projects p on p.id = s.project_id
    where s.id in (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )})
      and s.status in ('completed','partially_completed','failed','timeout','stopped','cancelled','orphaned')
      and (s.deleted_at is not null
           or s.ended_at < ${now.toISOString()}::timestamptz - make_interval(hours => coalesce(p.retention_hours, ${defaultHours})))`);
  const removed: string[] = [];
  for (const { id } of rows) {
    const dir = path.join(root, String(id));
    try {
      const common = (await git(dir, ["rev-parse", "--path-format=absolute", "--git-common-dir"])).trim();
      const repo = path.dirname(common);
      if (!(await ok(repo, ["worktree", "remove", "--force", dir]))) {
        await rm(dir, { recursive: true, force: true });
        await git(repo, ["worktree", "prune"]);
      }
      removed.push(String(id));
    } catch (err) {
      log.warn({ err, dir }, "could not remove an expired worktree");
    }
  }
  if (removed.length) log.info({ removed: removed.length }, "removed expired worktrees");
  return removed;
}
