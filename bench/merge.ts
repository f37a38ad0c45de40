// A task's merge into a plan's integration branch (packages/server/src/plan/integrate.ts) on a repository of
// 10,000 files: the branch has moved since the task was cut (another task merged first), so the merge is
// `merge-tree --write-tree`, `commit-tree` and a compare-and-swap `update-ref`. Median of N rounds.
// Target (issue 15): ≤ 200 ms. No database.
// Run alone: npx tsx bench/merge.ts [--files=10000] [--rounds=15]
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { git } from "../packages/server/src/workspace/git.ts";
import { branchOf, cut, merge } from "../packages/server/src/plan/integrate.ts";
import { median, ms, pct, table } from "./lib/stats.ts";
import { flags, isMain } from "./lib/target.ts";

const who = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"];

export async function run(files = 10_000, rounds = 15): Promise<{ files: number; times: number[] }> {
  const repo = mkdtempSync(path.join(tmpdir(), "io-bench-merge-"));
  try {
    await git(repo, ["init", "-q", "-b", "main"]);
    for (let i = 0; i < files; i++) {
      const dir = path.join(repo, `d${i % 100}`);
      if (i < 100) mkdirSync(dir);
      writeFileSync(path.join(dir, `f${i}.txt`), `file ${i}\n`);
    }
    await git(repo, ["add", "-A"]);
    await git(repo, [...who, "commit", "-qm", "base"]);
    const times: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const plan = `bench${r}`;
      const base = (await git(repo, ["rev-parse", "main"])).trim();
      await cut(repo, plan, base);
      // Two tasks cut from the same tip, touching different files: the second merge is a real merge.
      const branches: string[] = [];
      for (const t of ["a", "b"]) {
        const dir = mkdtempSync(path.join(tmpdir(), "io-bench-wt-"));
        const name = `task-${plan}-${t}`;
        await git(repo, ["worktree", "add", "-q", "-b", name, dir, branchOf(plan)]);
        for (let k = 0; k < 3; k++) writeFileSync(path.join(dir, `d${k}`, `new-${t}-${k}.txt`), `${t}\n`);
        await git(dir, ["add", "-A"]);
        await git(dir, [...who, "commit", "-qm", name]);
        await git(repo, ["worktree", "remove", "--force", dir]);
        branches.push(name);
      }
      await merge(repo, plan, branches[0]!, "a"); // a fast-forward
      const t0 = performance.now();
      const m = await merge(repo, plan, branches[1]!, "b");
      times.push(performance.now() - t0);
      if (m.outcome !== "merged" || m.fastForward)
        throw new Error(`expected a real merge, got ${JSON.stringify(m)}`);
    }
    return { files, times };
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}

export function report(r: { files: number; times: number[] }): string {
  return `merge into the integration branch, ${r.files} files\n${table([
    ["measure", "value", "target"],
    ["median", ms(median(r.times)), "≤ 200 ms"],
    ["p90", ms(pct(r.times, 90)), ""],
  ])}`;
}

if (isMain(import.meta.url)) {
  const f = flags();
  console.log(report(await run(f.num("files", 10_000), f.num("rounds", 15))));
}
