import { readFileSync } from "node:fs";
import { ApiError, Context } from "@orchestrator/sdk";
import { type Command, Option } from "commander";
import { collect, int } from "../args.ts";
import { context as ctxOf } from "../context.ts";
import { Usage } from "../exit.ts";
import * as Out from "../output.ts";
import * as Merges from "./context-merge.ts";

/**
 * `orchestrator context`: shared context documents (docs/context.md). Paths are dot paths (`api.routes.0`)
 * or JSON pointers (`/api/routes/0`).
 */
export function register(program: Command): void {
  const context = program
    .command("context")
    .description("shared context documents: what agents and people share, with its history");

  context
    .command("create")
    .argument("<scope>", `one of ${Context.Scope.options.join(", ")}`)
    .argument("<name>", "its name, unique per owner and scope")
    .description("create a document")
    .option("--owner <id>", "the session, plan, project or agent it belongs to")
    .option("--data <json>", "its first content (default {})")
    .action(async (scope: string, name: string, o: { owner?: string; data?: string }, cmd: Command) => {
      const { client, json } = ctxOf(cmd);
      const s = Context.Scope.safeParse(scope);
      if (!s.success) throw new Usage(`scope: one of ${Context.Scope.options.join(", ")}`);
      const doc = await client.contexts.create({
        scope: s.data,
        name,
        ...(o.owner ? { ownerId: o.owner } : {}),
        ...(o.data !== undefined ? { data: value(o.data, "--data") } : {}),
      });
      if (json) return Out.json(doc);
      Out.print(
        `created ${doc.id}  ${doc.scope}${doc.ownerId ? `:${doc.ownerId}` : ""}/${doc.name}  version 0`,
      );
    });

  context
    .command("get")
    .argument("<id>", "document id")
    .argument("[path]", "only the value at this path")
    .description("print a document's data (or the value at a path), then its version")
    .action(async (id: string, path: string | undefined, _o, cmd: Command) => {
      const { client, json } = ctxOf(cmd);
      const doc = await client.contexts.get(id);
      const data = path ? Context.valueAt(doc.data, Context.pointer(path)) : doc.data;
      if (json)
        return Out.json(path ? { path: Context.pointer(path), value: data, version: doc.version } : doc);
      Out.print(JSON.stringify(data, null, 2) ?? "(nothing at that path)");
      Out.warn(`version ${doc.version}  ${doc.scope}${doc.ownerId ? `:${doc.ownerId}` : ""}/${doc.name}`);
    });

  context
    .command("patch")
    .argument("<id>", "document id")
    .description("change a document; refused (exit 4) when what it changes changed since --if-match")
    .option("--set <path=json>", "set a value (repeat for several)", collect)
    .option("--remove <path>", "remove a value (repeat for several)", collect)
    .option("--inc <path=n>", "add n to a number (absent counts as 0)", collect)
    .option("--append <path=json>", "push a value to a list (absent: a new list)", collect)
    .addOption(new Option("--ops <file>", "a JSON Patch array from a file ('-' reads standard input)"))
    .option("--if-match <version>", "the version you read: refused if what you change changed since", int)
    .option("--lww", "without --if-match, overwrite values others may have changed (last writer wins)")
    .action(async (id: string, o: PatchFlags, cmd: Command) => {
      const { client, json } = ctxOf(cmd);
      const ops = build(o);
      try {
        const doc = await client.contexts.patch(id, ops, {
          ...(o.ifMatch !== undefined ? { ifMatch: o.ifMatch } : {}),
          ...(o.lww ? { lastWriterWins: true } : {}),
        });
        if (json) return Out.json(doc);
        Out.print(`version ${doc.version}`);
      } catch (err) {
        if (!json && err instanceof ApiError) explain(err);
        throw err;
      }
    });

  context
    .command("history")
    .argument("<id>", "document id")
    .description("a document's changes: version, when, who, where it touched")
    .option("--after <version>", "only changes after this version", int)
    .option("--values", "also each touched path's value before and after (100 changes a page)")
    .action(async (id: string, o: { after?: number; values?: boolean }, cmd: Command) => {
      const { client, json } = ctxOf(cmd);
      const items = await client.contexts.history(id, {
        ...(o.after !== undefined ? { after: o.after } : {}),
        limit: o.values ? 100 : 500,
        ...(o.values ? { values: true } : {}),
      });
      if (json) return Out.json({ items });
      const rows = items.map((c) => [
        String(c.version),
        c.at.slice(0, 19).replace("T", " "),
        c.actor.session
          ? `session ${c.actor.session.slice(0, 8)}`
          : c.actor.key
            ? `key ${c.actor.key.slice(0, 8)}`
            : c.actor.plan
              ? `plan ${c.actor.plan.slice(0, 8)}`
              : "-",
        c.touched.map((t) => `${t.kind === "set" ? "" : `${t.kind} `}${t.path || "/"}`).join(", "),
      ]);
      for (const l of Out.table(["VERSION", "AT", "BY", "TOUCHED"], rows)) Out.print(l);
      for (const c of o.values ? items : [])
        for (const v of c.values ?? [])
          Out.print(
            `v${c.version}  ${v.path || "/"}  ${JSON.stringify(v.before) ?? "(none)"} → ${JSON.stringify(v.after) ?? "(none)"}`,
          );
      if (!items.length) Out.print("no changes yet");
    });

  Merges.register(context);
}

interface PatchFlags {
  set?: string[];
  remove?: string[];
  inc?: string[];
  append?: string[];
  ops?: string;
  ifMatch?: number;
  lww?: boolean;
}

/** The operations the flags ask for, in flag order by kind (sets, removals, increments, appends). */
function build(o: PatchFlags): Context.Op[] {
  const ops: Context.Op[] = [];
  if (o.ops) {
    const text = readFileSync(o.ops === "-" ? 0 : o.ops, "utf8");
    const parsed = Context.Patch.safeParse(value(text, "--ops"));
    if (!parsed.success)
      throw new Usage(`--ops is not a JSON Patch: ${parsed.error.issues[0]?.message ?? ""}`);
    ops.push(...parsed.data);
  }
  for (const s of o.set ?? []) {
    const [path, v] = split(s, "--set");
    ops.push({ op: "add", path, value: value(v, "--set") });
  }
  for (const p of o.remove ?? []) ops.push({ op: "remove", path: Context.pointer(p) });
  for (const s of o.inc ?? []) {
    const [path, v] = split(s, "--inc");
    const n = Number(v);
    if (!Number.isFinite(n)) throw new Usage(`--inc needs a number, got ${JSON.stringify(v)}`);
    ops.push({ op: "increment", path, value: n });
  }
  for (const s of o.append ?? []) {
    const [path, v] = split(s, "--append");
    ops.push({ op: "append", path, value: value(v, "--append") });
  }
  if (!ops.length) throw new Usage("nothing to change: give --set, --remove, --inc, --append or --ops");
  return ops;
}

/** `path=value` as a JSON pointer and the value's text; a usage error (exit 2) otherwise. */
export function split(s: string, flag: string): readonly [string, string] {
  const i = s.indexOf("=");
  if (i <= 0) throw new Usage(`${flag} takes path=value, got ${JSON.stringify(s)}`);
  return [Context.pointer(s.slice(0, i)), s.slice(i + 1)] as const;
}

/** JSON, or the text itself when it is not JSON (`--set name=alice`). */
export function value(text: string, flag: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    if (flag === "--ops" || flag === "--data") throw new Usage(`${flag} is not JSON`);
    return text;
  }
}

/** What a refused patch means, before the error line: the paths changed since, and their values now. */
function explain(err: ApiError): void {
  const d = err.details as { conflicts?: { path: string; current: unknown }[]; version?: number } | undefined;
  if (err.code === "precondition_failed" && d?.conflicts?.length) {
    Out.warn(`changed since the version you read (now version ${d.version}):`);
    for (const c of d.conflicts) Out.warn(`  ${c.path}  now ${JSON.stringify(c.current)}`);
  }
  if (err.code === "precondition_required")
    Out.warn(
      `read it first (\`orchestrator context get\`) and pass --if-match ${d?.version ?? "<version>"}, or --lww`,
    );
}
