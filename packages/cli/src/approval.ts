import type { Answer, Approval, ApprovalRequest } from "@orchestrator/sdk";
import { Usage } from "./exit.ts";

/**
 * What the CLI shows of an approval and how it reads a person's answer: pure, so the inline prompt
 * (prompt.ts), `approve` and the live view all decide the same way, and tests need no terminal.
 */

export type Question = NonNullable<ApprovalRequest["questions"]>[number];

const oneLine = (text: string) => text.replace(/\s*\n\s*/g, " ").trim();

/** `bash: echo hi > a.txt`: what the agent asks, on one line. */
export const what = (r: ApprovalRequest): string => oneLine(r.title);

export const choices = "[o]nce, [a]lways, [r]eject";

/**
 * Exactly what a permission would allow, for a person to read before answering: a shell command verbatim
 * (every line as the agent wrote it, after `$ `) and the directory it runs in, or the patch an edit would
 * apply; then the agent's own description and what `always` would also allow.
 */
export function details(r: ApprovalRequest, indent = "    "): string[] {
  const out: string[] = [];
  if (r.command !== undefined) {
    const [first = "", ...rest] = r.command.split("\n");
    out.push(`$ ${first}`, ...rest.map((l) => `  ${l}`));
    out.push(`in ${r.cwd ?? "(a directory the agent did not report)"}`);
  }
  if (r.diff !== undefined) out.push(...r.diff.replace(/\n$/, "").split("\n"));
  if (r.clipped) out.push("(cut at 64 KiB: the tool call in `orchestrator events` has the rest)");
  if (r.description) out.push(`the agent says: ${oneLine(r.description)}`);
  if (r.always?.length) out.push(`"always" also allows from now on: ${r.always.join("  ")}`);
  return out.map((l) => `${indent}${l}`);
}

/** The inline prompt for a permission, after its `? <title>` line and its details. */
export const permissionPrompt = (): string => `  > ${choices}: `;

/**
 * A line typed at the permission prompt, or null to ask again. The first word chooses (o/once/y,
 * a/always, r/reject/n); after `r` the rest of the line is the message the agent reads.
 */
export function permission(input: string): Answer | null {
  const m = /^\s*(\S+)\s*([\s\S]*?)\s*$/.exec(input);
  if (!m) return null;
  const word = m[1]!.toLowerCase();
  const rest = m[2]!;
  if (["r", "reject", "n", "no"].includes(word))
    return rest ? { reply: "reject", message: rest } : { reply: "reject" };
  if (rest) return null;
  if (["o", "once", "y", "yes"].includes(word)) return { reply: "once" };
  if (["a", "always"].includes(word)) return { reply: "always" };
  return null;
}

/** `? [Header] Which colour?` then its options numbered, with their descriptions. */
export function questionLines(q: Question, indent = "  "): string[] {
  const head = `${indent}? ${q.header ? `[${oneLine(q.header)}] ` : ""}${oneLine(q.question)}`;
  const options = q.options.map(
    (o, i) => `${indent}    ${i + 1}. ${o.label}${o.description ? ` — ${oneLine(o.description)}` : ""}`,
  );
  return [head, ...options];
}

export const questionPrompt = (q: Question): string =>
  `  > ${q.multiple ? "numbers or labels, comma-separated" : "a number or label"}, or your own answer; "-" rejects: `;

/** One choice: an option's label (in any case), its number from 1, or else the person's own words. */
export function label(q: Question, input: string): string {
  const text = input.trim();
  const named = q.options.find((o) => o.label.toLowerCase() === text.toLowerCase());
  if (named) return named.label;
  const n = /^\d+$/.test(text) ? Number(text) : 0;
  return n >= 1 && n <= q.options.length ? q.options[n - 1]!.label : text;
}

/** A line typed at a question: its labels, "reject", or null to ask again (nothing was typed). */
export function reply(q: Question, input: string): string[] | "reject" | null {
  const text = input.trim();
  if (!text) return null;
  if (text === "-") return "reject";
  const parts = q.multiple ? text.split(",").filter((p) => p.trim()) : [text];
  return parts.map((p) => label(q, p));
}

export interface Flags {
  always?: boolean;
  reject?: boolean;
  message?: string;
  answer?: string[];
}

/**
 * `approve`'s flags for this approval → the answer to send. A permission takes once (the default),
 * --always or --reject; a question takes --answer (for one question every --answer is one of its
 * choices, for several each --answer answers the next question in order) or --reject.
 */
export function fromFlags(a: Approval, o: Flags): Answer {
  if (o.message !== undefined && !o.reject) throw new Usage("--message goes with --reject");
  if (o.reject) return o.message ? { reply: "reject", message: o.message } : { reply: "reject" };
  if (a.kind === "permission") {
    if (o.answer)
      throw new Usage(
        `approval ${a.id} asks permission (${what(a.request)}): answer it with no flag (once), --always or --reject; --answer is for questions`,
      );
    return { reply: o.always ? "always" : "once" };
  }
  const questions = a.request.questions ?? [];
  if (o.always || !o.answer)
    throw new Usage(
      `approval ${a.id} is a question (${what(a.request)}): give --answer <choice>, or --reject`,
    );
  if (questions.length === 1) return { answers: [o.answer.map((v) => label(questions[0]!, v))] };
  if (o.answer.length !== questions.length)
    throw new Usage(
      `approval ${a.id} asks ${questions.length} questions: give --answer once per question, in order`,
    );
  return { answers: o.answer.map((v, i) => [label(questions[i]!, v)]) };
}

/**
 * `answer`'s words for this approval → the answer to send, read as the inline prompt reads a line: a
 * permission takes once, always or reject (the rest after reject is why); a question takes an option's
 * label or number, or the person's own words ("-" rejects). Several questions take one argument each.
 */
export function fromWords(a: Approval, words: string[]): Answer {
  if (a.kind === "permission") {
    const answer = permission(words.join(" "));
    if (!answer)
      throw new Usage(
        `approval ${a.id} asks permission (${what(a.request)}): answer once, always, or reject [why]`,
      );
    return answer;
  }
  const questions = a.request.questions ?? [];
  const each = questions.length === 1 ? [words.join(" ")] : words;
  if (each.length !== questions.length)
    throw new Usage(
      `approval ${a.id} asks ${questions.length} questions: give one answer each, in order (quote answers with spaces)`,
    );
  const answers: string[][] = [];
  for (const [i, q] of questions.entries()) {
    const r = reply(q, each[i]!);
    if (r === "reject") return { reply: "reject" };
    if (!r) throw new Usage(`approval ${a.id}: say something to answer "${q.question}", or "-" to reject`);
    answers.push(r);
  }
  return { answers };
}

/** The one line that tells someone without a prompt how to answer. */
export function hint(id: string, kind: Approval["kind"]): string {
  const how =
    kind === "permission"
      ? "[--always | --reject [--message why]]"
      : "--answer <choice> (once per question) | --reject";
  return `answer with: orchestrator approve ${id} ${how}`;
}

/** How an approval ended, from its approval.answered / .expired / .withdrawn event. */
export function outcome(type: string, d: Record<string, unknown>): string {
  if (type === "approval.withdrawn") return "  · approval withdrawn: the run ended before an answer";
  if (type === "approval.expired") return `  ! no answer in time: ${String(d.reply ?? "failed")} by policy`;
  if (d.reply === "reject") return `  ✗ rejected${d.message ? `: ${String(d.message)}` : ""}`;
  if (Array.isArray(d.answers))
    return `  ✓ answered: ${(d.answers as string[][]).map((a) => a.join(", ")).join("; ")}`;
  return `  ✓ allowed ${String(d.reply)}`;
}
