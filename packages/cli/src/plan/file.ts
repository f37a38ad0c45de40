import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseDocument, stringify } from "yaml";
import { Usage } from "../exit.ts";

/**
 * Plan files: the body of `POST /api/v1/plans` (title, goal, tasks, edges, policy, project or workspace)
 * as YAML or JSON, so a person can write one, or edit what `plan decompose -o` wrote, and `plan run -f` it.
 * The format is the API's: the server checks it and names any field it refuses.
 */

export type Body = Record<string, unknown> & { tasks?: unknown[]; edges?: unknown[] };

/** Read and parse a plan file ('-' is standard input): JSON by a .json name or a leading '{', else YAML. */
export function read(file: string): Body {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Usage(`cannot read plan file ${file}: ${e.code === "ENOENT" ? "no such file" : e.message}`);
  }
  const ext = path.extname(file).toLowerCase();
  const json = ext === ".json" || (ext !== ".yaml" && ext !== ".yml" && text.trimStart().startsWith("{"));
  const value = json ? parseJson(file, text) : parseYaml(file, text);
  if (!value || typeof value !== "object" || Array.isArray(value))
    throw new Usage(`${file}: a plan is a mapping with title, tasks and edges (see docs/cli.md, Plans)`);
  return value as Body;
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    // Node 20's messages seldom say where; the YAML parser (JSON is YAML) finds the place.
    const pos = parseDocument(text).errors[0]?.linePos?.[0];
    const message = (err as Error).message.split("\n")[0];
    throw new Usage(`${file}${pos ? `:${pos.line}:${pos.col}` : ""}: not valid JSON: ${message}`);
  }
}

function parseYaml(file: string, text: string): unknown {
  const doc = parseDocument(text, { prettyErrors: true });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    // The first line of a pretty error repeats the position; the rest shows the line with a caret.
    const [first = "", ...context] = error.message.split("\n").filter((l) => l.trim());
    const what = first.replace(/ at line \d+, column \d+:?$/, "");
    throw new Usage(
      [`${file}${pos ? `:${pos.line}:${pos.col}` : ""}: not valid YAML: ${what}`, ...context]
        .join("\n")
        .trimEnd(),
    );
  }
  return doc.toJS();
}

/** Write a draft as YAML, with a first comment saying how to run it. */
export function write(file: string, body: object): void {
  const text =
    `# A plan for \`orchestrator plan run -f ${path.basename(file)} --project <name>\` (or --repo <path>).\n` +
    `# Edit the tasks and edges freely: the server checks the file when it is run.\n` +
    stringify(body, { lineWidth: 0 });
  try {
    writeFileSync(file, text);
  } catch (err) {
    throw new Usage(`cannot write ${file}: ${(err as Error).message}`);
  }
}
