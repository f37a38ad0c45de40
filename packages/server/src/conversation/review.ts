import { type FilePatch, type Line, type ReviewComment, parsePatch } from "@orchestrator/sdk";
import { AppError } from "../error.ts";

/** Lines of context shown around a commented line, each side. */
const around = 3;

/**
 * The one prompt a review's comments make: the person's words, then each comment with its file, line and
 * the part of the hunk around it, so the agent sees what was commented on without looking it up. Pure.
 * A comment on a line the diff does not show is refused, by field, rather than sent without its place.
 */
export function compose(text: string, comments: ReviewComment[], patch: string): string {
  const files = parsePatch(patch);
  const parts = comments.map((c, i) => {
    const at = `body.comments.${i}`;
    const f = files.find((x) => x.file === c.file || x.from === c.file);
    if (!f) throw invalid(`${at}.file`, `${c.file} is not among the files the session changed`);
    const hunk = excerpt(f, c);
    if (!hunk) throw invalid(`${at}.line`, `line ${c.line} (${c.side}) of ${c.file} is not in the diff`);
    const where = c.side === "old" ? `${c.file}, removed line ${c.line}` : `${c.file}, line ${c.line}`;
    return `${i + 1}. ${where}: ${c.text}\n\n\`\`\`diff\n${hunk}\n\`\`\``;
  });
  const intro = "A review of your changes asks for the following. Make them on the same branch.";
  return [text, intro, ...parts].filter(Boolean).join("\n\n");
}

/** The hunk's header and the lines around the commented one, marked as a diff shows them. */
function excerpt(f: FilePatch, c: ReviewComment): string | null {
  for (const h of f.hunks) {
    const i = h.lines.findIndex((l) => (c.side === "old" ? l.old : l.new) === c.line);
    if (i < 0) continue;
    const shown = h.lines.slice(Math.max(0, i - around), i + around + 1);
    return [h.header, ...shown.map(line)].join("\n");
  }
  return null;
}

const line = (l: Line) => `${l.kind === "add" ? "+" : l.kind === "del" ? "-" : " "}${l.text}`;

const invalid = (path: string, message: string) =>
  new AppError("validation_failed", `${path}: ${message}`, { issues: [{ path, message }] });
