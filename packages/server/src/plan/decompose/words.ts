/**
 * Whole-word matching for the decomposition heuristics. The reference (reference-backend.md §4.3.3, §4.3.6)
 * matched substrings of the lower-cased text, so "ui" matched "build" and "guide", "auth" matched "author",
 * "test" matched "latest", while "integrate" missed "integration". Here every keyword is a list of word forms
 * (its stem's inflections spelled out) that must stand as whole words: a letter or digit may not touch either
 * end. Underscores, hyphens and punctuation separate words, so "UI-based" and "auth_token" still match.
 */

/** A case-insensitive matcher for whole words; each form is a regex source such as `test(?:s|ed|ing)?`. */
export function words(...forms: string[]): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${forms.join("|")})(?![\\p{L}\\p{N}])`, "giu");
}

/** The distinct words of `text` that `re` matches, lower-cased, in order of first appearance. */
export function found(re: RegExp, text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(re)) out.add(m[0].toLowerCase().replace(/\s+/g, " "));
  return [...out];
}

/** Whether `re` matches anywhere in `text` (`search` ignores the global flag's lastIndex). */
export const has = (re: RegExp, text: string) => text.search(re) >= 0;

/** How many times `re` matches `text`, repetitions included. */
export function count(re: RegExp, text: string): number {
  let n = 0;
  for (const _ of text.matchAll(re)) n++;
  return n;
}

/**
 * §4.3.3's keyword table, mapped onto our vocabulary (every name it used is a word of ours). One change:
 * "fix" and "bug" ask for `bug_fixing`, the vocabulary's word for it, where the reference said `debugging`
 * (kept for "debug"). Order is the table's, so the inferred list is stable.
 */
const table: [capability: string, re: RegExp][] = [
  ["system_design", words("design(?:s|ed|ing|er|ers)?")],
  ["architecture_planning", words("architect(?:s|ure|ures|ural)?", "plan(?:s|ned|ning)?")],
  ["requirements_analysis", words("requirements?", "analy[sz](?:e|es|ed|ing|is)", "analyses")],
  [
    "task_decomposition",
    words("break(?:s|ing)?\\s+(?:it\\s+)?down", "broken\\s+down", "decompos(?:e|es|ed|ing|ition)"),
  ],
  [
    "code_generation",
    words(
      "implement(?:s|ed|ing|ation)?",
      "creat(?:e|es|ed|ing|ion)",
      "build(?:s|ing)?",
      "built",
      "develop(?:s|ed|ing|ment)?",
      "writ(?:e|es|ing|ten)",
      "wrote",
      "cod(?:e|es|ed|ing)",
    ),
  ],
  ["test_generation", words("test(?:s|ed|ing)?")],
  ["documentation", words("document(?:s|ed|ing|ation)?", "docs")],
  ["refactoring", words("refactor(?:s|ed|ing)?")],
  ["code_review", words("review(?:s|ed|ing)?")],
  ["security_audit", words("audit(?:s|ed|ing)?", "secur(?:e|ity)")],
  ["performance_analysis", words("performance")],
  ["compliance_check", words("complian(?:ce|t)")],
  ["debugging", words("debug(?:s|ged|ging)?")],
  ["bug_fixing", words("fix(?:es|ed|ing)?", "bugs?")],
  ["troubleshooting", words("troubleshoot(?:s|ed|ing)?")],
  ["root_cause_analysis", words("diagnos(?:e|es|ed|ing|is|tic|tics)", "root\\s+causes?")],
  ["optimization", words("optimi[sz](?:e|es|ed|ing|ation|ations)", "improv(?:e|es|ed|ing|ement|ements)")],
  ["deployment", words("deploy(?:s|ed|ing|ment|ments)?", "integrat(?:e|es|ed|ing|ion|ions)")],
  ["configuration", words("configur(?:e|es|ed|ing|ation|ations)", "config")],
  ["monitoring", words("monitor(?:s|ed|ing)?")],
  ["scaling", words("scal(?:e|es|ed|ing|able|ability)")],
];

/** The capabilities the text asks for, de-duplicated in the table's order; nothing matched → code_generation. */
export function infer(text: string): string[] {
  const out = table.filter(([, re]) => has(re, text)).map(([c]) => c);
  return out.length ? out : ["code_generation"];
}
