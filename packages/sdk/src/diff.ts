import { z } from "zod";

/** What a workspace session changed: its branch against the commit it was cut from (`git diff --numstat --patch`). */
export const Diff = z
  .object({
    files: z.array(z.object({ file: z.string(), additions: z.number(), deletions: z.number() })),
    additions: z.number(),
    deletions: z.number(),
    patch: z.string(),
  })
  .meta({ id: "Diff" });
export type Diff = z.infer<typeof Diff>;

/** The result a workspace session ends with (the OpenCode agent's), read by shape from `Session.result`. */
export const WorkspaceResult = z
  .object({
    branch: z.string().optional(),
    base: z.string().optional(),
    worktree: z.string().optional(),
    diff: Diff,
  })
  .meta({ id: "WorkspaceResult" });
export type WorkspaceResult = z.infer<typeof WorkspaceResult>;

/** One line of a hunk, numbered on the side(s) it exists on. */
export interface Line {
  kind: "context" | "add" | "del";
  text: string;
  old: number | null;
  new: number | null;
}
export interface Hunk {
  header: string;
  lines: Line[];
}
export interface FilePatch {
  /** The path after the change (before it, for a deletion). */
  file: string;
  from: string | null;
  to: string | null;
  status: "added" | "deleted" | "modified" | "renamed";
  binary: boolean;
  hunks: Hunk[];
}

const unquote = (p: string) => (p.startsWith('"') ? (JSON.parse(p) as string) : p);
const side = (p: string | undefined, prefix: string) =>
  !p || p === "/dev/null" ? null : unquote(p).replace(new RegExp(`^"?${prefix}/`), "");

/** Split a unified git patch into files, hunks and numbered lines, for unified and split views. */
export function parsePatch(patch: string): FilePatch[] {
  const files: FilePatch[] = [];
  let file: FilePatch | null = null;
  let hunk: Hunk | null = null;
  let oldNo = 0;
  let newNo = 0;
  for (const line of patch.split("\n")) {
    if (line.startsWith("diff --git ")) {
      const m = /^diff --git ("?a\/.+?"?) ("?b\/.+"?)$/.exec(line);
      const from = side(m?.[1], "a");
      const to = side(m?.[2], "b");
      file = { file: to ?? from ?? "", from, to, status: "modified", binary: false, hunks: [] };
      files.push(file);
      hunk = null;
      continue;
    }
    if (!file) continue;
    if (!hunk) {
      if (line.startsWith("new file mode")) file.status = "added";
      else if (line.startsWith("deleted file mode")) file.status = "deleted";
      else if (line.startsWith("rename from ")) {
        file.status = "renamed";
        file.from = line.slice(12);
      } else if (line.startsWith("rename to ")) file.to = file.file = line.slice(10);
      else if (line.startsWith("Binary files ")) file.binary = true;
      else if (line.startsWith("--- "))
        file.from = file.status === "added" ? null : (side(line.slice(4), "a") ?? file.from);
      else if (line.startsWith("+++ ")) {
        file.to = file.status === "deleted" ? null : (side(line.slice(4), "b") ?? file.to);
        file.file = file.to ?? file.from ?? file.file;
      }
    }
    const h = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(line);
    if (h) {
      hunk = { header: line, lines: [] };
      file.hunks.push(hunk);
      oldNo = Number(h[1]);
      newNo = Number(h[2]);
      continue;
    }
    if (!hunk) continue;
    const mark = line[0];
    const text = line.slice(1);
    if (mark === "+") hunk.lines.push({ kind: "add", text, old: null, new: newNo++ });
    else if (mark === "-") hunk.lines.push({ kind: "del", text, old: oldNo++, new: null });
    else if (mark === " ") hunk.lines.push({ kind: "context", text, old: oldNo++, new: newNo++ });
    // "\ No newline at end of file" and the trailing empty line carry nothing to show.
  }
  return files;
}

/** A split view's rows: deletions beside the additions that replace them, context on both sides. */
export function splitRows(h: Hunk): { left: Line | null; right: Line | null }[] {
  const rows: { left: Line | null; right: Line | null }[] = [];
  let dels: Line[] = [];
  let adds: Line[] = [];
  const flush = () => {
    for (let i = 0; i < Math.max(dels.length, adds.length); i++)
      rows.push({ left: dels[i] ?? null, right: adds[i] ?? null });
    dels = [];
    adds = [];
  };
  for (const l of h.lines) {
    if (l.kind === "del") {
      if (adds.length) flush();
      dels.push(l);
    } else if (l.kind === "add") adds.push(l);
    else {
      flush();
      rows.push({ left: l, right: l });
    }
  }
  flush();
  return rows;
}

/**
 * One round of a session's work: the first run, then one per follow-up that reopened the ended session (a
 * review's "request changes" too). Its diff is the branch from where the round began to where it ended.
 */
export const Round = z
  .object({
    round: z.number().int().min(1),
    from: z
      .string()
      .describe("the commit the round began at: the session's base, or where the last round ended"),
    to: z
      .string()
      .describe("the branch's commit when the round ended (its last checkpoint so far, while it runs)"),
    status: z.string().nullable().describe("how the round ended; null while it runs"),
    startedAt: z.iso.datetime(),
    endedAt: z.iso.datetime().nullable(),
    openedBy: z
      .object({ author: z.string(), text: z.string(), comments: z.number().int() })
      .nullable()
      .describe("the message that reopened the session for this round (null for the first)"),
    files: z.number().int(),
    additions: z.number().int(),
    deletions: z.number().int(),
  })
  .meta({ id: "SessionRound" });
export type Round = z.infer<typeof Round>;
export const Rounds = z.object({ items: z.array(Round) }).meta({ id: "SessionRounds" });
