/**
 * What an OpenCode `write`, `edit` or `multiedit` call changes, as diff lines, read from the call's input
 * (the event log keeps it: agent/opencode/events.ts). Pure, so it is tested without a browser.
 *
 * OpenCode's inputs: write `{filePath, content}` (the whole new file; what it replaced is not in the call),
 * edit `{filePath, oldString, newString, replaceAll?}`, multiedit `{filePath, edits: [{oldString, newString}]}`.
 */
export interface DiffLine {
  kind: "add" | "del" | "context" | "skip";
  text: string;
}
export interface Change {
  file: string;
  /** write: the file's whole new text; edit: the replaced part against its replacement. */
  mode: "write" | "edit";
  hunks: DiffLine[][];
  added: number;
  removed: number;
}

const str = (v: unknown): v is string => typeof v === "string";

/** The change a tool call makes, or null when it is not a file edit or its input was cut (over 8 KiB). */
export function change(tool: string, input: unknown, worktree?: string): Change | null {
  if (!input || typeof input !== "object") return null;
  const i = input as Record<string, unknown>;
  if (!str(i.filePath)) return null;
  const file = relative(i.filePath, worktree);
  let hunks: DiffLine[][];
  if (tool === "write" && str(i.content)) hunks = [lines(i.content).map((text) => ({ kind: "add", text }))];
  else if (tool === "edit" && str(i.oldString) && str(i.newString)) hunks = [diff(i.oldString, i.newString)];
  else if (tool === "multiedit" && Array.isArray(i.edits)) {
    const edits = i.edits.filter((e): e is { oldString: string; newString: string } => {
      const o = e as Record<string, unknown> | null;
      return !!o && str(o.oldString) && str(o.newString);
    });
    if (!edits.length) return null;
    hunks = edits.map((e) => diff(e.oldString, e.newString));
  } else return null;
  const all = hunks.flat();
  return {
    file,
    mode: tool === "write" ? "write" : "edit",
    hunks,
    added: all.filter((l) => l.kind === "add").length,
    removed: all.filter((l) => l.kind === "del").length,
  };
}

/** A path inside the session's worktree, relative to it (the way the Changes card names files). */
export function relative(path: string, worktree?: string): string {
  if (worktree && path.startsWith(`${worktree.replace(/\/$/, "")}/`))
    return path.slice(worktree.length).replace(/^\//, "");
  // Without the worktree at hand: ours live at <data>/worktrees/<session id>/ (DESIGN.md, workspaces).
  const m = /\/worktrees\/[0-9a-f-]{36}\/(.+)$/.exec(path);
  return m ? m[1]! : path;
}

/** Lines of a text; a final newline ends the last line rather than starting an empty one. */
function lines(text: string): string[] {
  const all = text.split("\n");
  if (all.length > 1 && all.at(-1) === "") all.pop();
  return all;
}

/** Past this many cells the table of common lengths costs more than it shows: old out, new in. */
const budget = 250_000;
/** Unchanged lines kept around a change; a longer stretch between changes is folded to one line. */
const around = 3;

/** A line diff of two texts (longest common subsequence), with long unchanged stretches folded. */
export function diff(before: string, after: string): DiffLine[] {
  const a = lines(before);
  const b = lines(after);
  if (a.length * b.length > budget)
    return [
      ...a.map((text) => ({ kind: "del" as const, text })),
      ...b.map((text) => ({ kind: "add" as const, text })),
    ];
  // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
  const lcs = Array.from({ length: a.length + 1 }, () => new Uint32Array(b.length + 1));
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ kind: "context", text: a[i]! });
      i++;
      j++;
      // Removed lines before the added ones that replace them, as a patch reads.
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!))
      out.push({ kind: "del", text: a[i++]! });
    else out.push({ kind: "add", text: b[j++]! });
  }
  return fold(out);
}

/** Fold unchanged runs longer than two margins into one `skip` line saying how many. */
function fold(all: DiffLine[]): DiffLine[] {
  const out: DiffLine[] = [];
  for (let k = 0; k < all.length;) {
    if (all[k]!.kind !== "context") {
      out.push(all[k++]!);
      continue;
    }
    let end = k;
    while (end < all.length && all[end]!.kind === "context") end++;
    const keepHead = k === 0 ? 0 : around;
    const keepTail = end === all.length ? 0 : around;
    if (end - k > keepHead + keepTail + 1) {
      out.push(...all.slice(k, k + keepHead));
      out.push({ kind: "skip", text: `${end - k - keepHead - keepTail} unchanged lines` });
      out.push(...all.slice(end - keepTail, end));
    } else out.push(...all.slice(k, end));
    k = end;
  }
  return out;
}
