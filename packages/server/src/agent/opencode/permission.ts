import path from "node:path";
import type { ApprovalRequest } from "@orchestrator/sdk";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = Record<string, any>;

/**
 * What a person is asked to allow, from OpenCode's `permission.asked` and the input of the tool call it
 * gates. Observed on OpenCode 1.18.33 (a real server driven by the demo model):
 *
 * - bash: `patterns` are the sub-commands OpenCode parsed out (`ls -la src && echo $(ls src | wc -l)` →
 *   `["ls -la src", "echo …", "ls src", "wc -l"]`), so joining them loses the `&&` and repeats pieces;
 *   `metadata.command` is the command verbatim. The working directory is only in the call's input
 *   (`workdir`, relative to the session's directory, or absent for the directory itself).
 * - edit / write: `patterns` is the path relative to the directory; `metadata.filepath` is absolute and
 *   `metadata.diff` is the patch the change would make, with absolute paths and an `Index:` header.
 */
export function request(p: Loose, input: Loose | undefined, directory: string): ApprovalRequest {
  const permission = String(p.permission ?? "permission");
  const patterns: string[] = Array.isArray(p.patterns) ? p.patterns.map(String) : [];
  const meta: Loose = p.metadata ?? {};
  const base = {
    permission,
    patterns,
    always: Array.isArray(p.always) ? p.always.map(String) : [],
    ...(p.tool?.callID ? { callId: String(p.tool.callID) } : {}),
    ...(typeof input?.description === "string" && input.description
      ? { description: input.description }
      : {}),
  };
  const command =
    typeof meta.command === "string"
      ? meta.command
      : typeof input?.command === "string"
        ? input.command
        : null;
  if (permission === "bash" && command !== null) {
    const cut = clip(command);
    // Without the call's input we cannot know a `workdir` it names: say nothing rather than guess.
    const cwd = input
      ? path.resolve(directory, typeof input.workdir === "string" ? input.workdir : ".")
      : null;
    return {
      ...base,
      title: `bash: ${short(command)}`,
      command: cut.text,
      ...(cwd ? { cwd } : {}),
      ...(cut.clipped ? { clipped: true } : {}),
    };
  }
  const abs = typeof meta.filepath === "string" ? meta.filepath : null;
  if (abs && typeof meta.diff === "string") {
    const file = relative(directory, abs);
    const cut = clip(gitPatch(meta.diff, file));
    return {
      ...base,
      title: `${permission}: ${file}`,
      file,
      diff: cut.text,
      ...(cut.clipped ? { clipped: true } : {}),
    };
  }
  return { ...base, title: `${permission}: ${short(patterns.join(", "))}`.replace(/: $/, "") };
}

/** A title is one line people scan: the first line of the text, cut at 120 characters. */
function short(text: string): string {
  const lines = text.trim().split("\n");
  const first = lines[0]!.trimEnd();
  const more = lines.length > 1 || first.length > 120;
  return more ? `${first.slice(0, 120)} …` : first;
}

/** Bounded for the approvals table; a person is told when what they see is not all of it. */
const limit = 65_536;
const clip = (text: string) =>
  text.length > limit ? { text: text.slice(0, limit), clipped: true } : { text, clipped: false };

const relative = (directory: string, file: string) => {
  const rel = path.relative(directory, file);
  return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
};

/**
 * OpenCode's patch (jsdiff: `Index:`, `===`, `---`/`+++` with absolute paths) as the git patch the
 * Changes view reads: `diff --git a/<file> b/<file>`, paths relative to the worktree, a new file marked so.
 */
export function gitPatch(diff: string, file: string): string {
  const lines = diff.split("\n");
  const first = lines.findIndex((l) => l.startsWith("@@"));
  if (first < 0) return "";
  const hunks = lines.slice(first).join("\n");
  const added = /^@@ -0,0 /.test(lines[first]!);
  const head = added
    ? [`diff --git a/${file} b/${file}`, "new file mode 100644", "--- /dev/null", `+++ b/${file}`]
    : [`diff --git a/${file} b/${file}`, `--- a/${file}`, `+++ b/${file}`];
  return `${head.join("\n")}\n${hunks}`;
}
