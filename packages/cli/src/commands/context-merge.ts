import { Context } from "@orchestrator/sdk";
import type { Command } from "commander";
import { collect, int } from "../args.ts";
import { context as ctxOf } from "../context.ts";
import { Usage } from "../exit.ts";
import * as Out from "../output.ts";
import { split, value } from "./context.ts";

/** `orchestrator context list|diff|version|merge|promote|merges|resolve|abandon`. */
export function register(context: Command): void {
  const scopeOf = (s: string) => {
    const p = Context.Scope.safeParse(s);
    if (!p.success) throw new Usage(`scope: one of ${Context.Scope.options.join(", ")}`);
    return p.data;
  };
  const strategyOf = (s: string | undefined) => {
    if (s === undefined) return undefined;
    const p = Context.Strategy.safeParse(s);
    if (!p.success) throw new Usage(`--strategy: one of ${Context.Strategy.options.join(", ")}`);
    return p.data;
  };
  const owner = (d: { scope: string; ownerId: string | null; name: string }) =>
    `${d.scope}${d.ownerId ? `:${d.ownerId}` : ""}/${d.name}`;

  context
    .command("list")
    .description("documents, most recently changed first")
    .option("--scope <scope>")
    .option("--owner <id>")
    .option("--name <name>")
    .action(async (o: { scope?: string; owner?: string; name?: string }, cmd: Command) => {
      const { client, json } = ctxOf(cmd);
      const items = await client.contexts.list({
        ...(o.scope ? { scope: scopeOf(o.scope) } : {}),
        ...(o.owner ? { ownerId: o.owner } : {}),
        ...(o.name ? { name: o.name } : {}),
      });
      if (json) return Out.json({ items });
      const rows = items.map((d) => [
        d.id,
        owner(d),
        String(d.version),
        d.updatedAt.slice(0, 19).replace("T", " "),
      ]);
      for (const l of Out.table(["ID", "DOCUMENT", "VERSION", "CHANGED"], rows)) Out.print(l);
      if (!items.length) Out.print("no documents");
    });

  context
    .command("diff")
    .argument("<id>", "document id")
    .description("what changed between two versions (default: the last change), or against another document")
    .option("--from <version>", "the older version", int)
    .option("--to <version>", "the newer version (default: the current one)", int)
    .option("--against <id>", "another document instead of --from")
    .action(async (id: string, o: { from?: number; to?: number; against?: string }, cmd: Command) => {
      const { client, json } = ctxOf(cmd);
      const d = await client.contexts.diff(id, o);
      if (json) return Out.json(d);
      Out.warn(
        `${d.from.id === id ? "" : `${d.from.id} `}version ${d.from.version} → version ${d.to.version}`,
      );
      const show = (v: unknown) => JSON.stringify(v);
      for (const c of d.changes) {
        if (c.kind === "added") Out.print(`+ ${c.path}  ${show(c.after)}`);
        else if (c.kind === "removed") Out.print(`- ${c.path}  ${show(c.before)}`);
        else Out.print(`~ ${c.path}  ${show(c.before)} → ${show(c.after)}`);
      }
      if (!d.changes.length) Out.print("no differences");
    });

  context
    .command("version")
    .argument("<id>", "document id")
    .argument("<version>", "a version", int)
    .description("print a document as it was at a version")
    .action(async (id: string, version: number, _o, cmd: Command) => {
      const { client, json } = ctxOf(cmd);
      const v = await client.contexts.version(id, version);
      if (json) return Out.json(v);
      Out.print(JSON.stringify(v.data, null, 2));
    });

  context
    .command("merge")
    .argument("<target>", "the document merged into")
    .argument("<source>", "the document merged from")
    .description("merge one document into another; a manual merge with conflicts waits for `context resolve`")
    .option("--strategy <s>", Context.Strategy.options.join(", "), "deep_merge")
    .action(async (target: string, source: string, o: { strategy?: string }, cmd: Command) => {
      const { client, json } = ctxOf(cmd);
      const m = await client.contexts.merge(target, source, strategyOf(o.strategy));
      if (json) return Out.json(m);
      printMerge(m);
    });

  context
    .command("promote")
    .argument("<id>", "the document to share")
    .argument("<scope>", "where to: plan, project, tenant, …")
    .description("share a document with a wider scope: merge it into that scope's document of its name")
    .option("--owner <id>", "the plan, project, … it goes to")
    .option("--name <name>", "the target's name (default: this document's)")
    .option("--strategy <s>", Context.Strategy.options.join(", "), "deep_merge")
    .action(
      async (
        id: string,
        scope: string,
        o: { owner?: string; name?: string; strategy?: string },
        cmd: Command,
      ) => {
        const { client, json } = ctxOf(cmd);
        const m = await client.contexts.promote(id, {
          scope: scopeOf(scope),
          ...(o.owner ? { ownerId: o.owner } : {}),
          ...(o.name ? { name: o.name } : {}),
          ...(o.strategy ? { strategy: strategyOf(o.strategy) } : {}),
        });
        if (json) return Out.json(m);
        printMerge(m);
      },
    );

  context
    .command("merges")
    .description("merges; the open ones wait for a person")
    .option("--status <status>", "open, applied, resolved or abandoned", "open")
    .option("--doc <id>", "only merges into or from this document")
    .action(async (o: { status: string; doc?: string }, cmd: Command) => {
      const { client, json } = ctxOf(cmd);
      const status = Context.Merge.shape.status.safeParse(o.status);
      if (!status.success) throw new Usage("--status: open, applied, resolved or abandoned");
      const items = await client.contexts.merges({
        status: status.data,
        ...(o.doc ? { contextId: o.doc } : {}),
      });
      if (json) return Out.json({ items });
      for (const m of items) printMerge(m);
      if (!items.length) Out.print(`no ${o.status} merges`);
    });

  context
    .command("resolve")
    .argument("<merge>", "merge id")
    .description("settle an open merge: a choice for every conflicting path")
    .option("--take <path=target|source>", "keep the target's value or take the source's (repeat)", collect)
    .option("--value <path=json>", "a value of your own (repeat)", collect)
    .action(async (id: string, o: { take?: string[]; value?: string[] }, cmd: Command) => {
      const { client, json } = ctxOf(cmd);
      const choices: Context.Choice[] = [];
      for (const t of o.take ?? []) {
        const [path, side] = split(t, "--take");
        if (side !== "target" && side !== "source") throw new Usage("--take: path=target or path=source");
        choices.push({ path, take: side });
      }
      for (const v of o.value ?? []) {
        const [path, text] = split(v, "--value");
        choices.push({ path, take: "value", value: value(text, "--value") });
      }
      if (!choices.length) throw new Usage("give --take or --value for each conflicting path");
      const m = await client.contexts.resolve(id, choices);
      if (json) return Out.json(m);
      printMerge(m);
    });

  context
    .command("abandon")
    .argument("<merge>", "merge id")
    .description("give up an open merge; the target stays as it is")
    .action(async (id: string, _o, cmd: Command) => {
      const { client, json } = ctxOf(cmd);
      const m = await client.contexts.abandon(id);
      if (json) return Out.json(m);
      printMerge(m);
    });
}

function printMerge(m: Context.Merge): void {
  const wrote = m.wrote === null ? "" : `  → version ${m.wrote}`;
  Out.print(
    `${m.id}  ${m.status}  ${m.strategy}  ${m.sourceId.slice(0, 8)} into ${m.targetId.slice(0, 8)}${wrote}`,
  );
  for (const c of m.conflicts)
    Out.print(`  conflict ${c.path}: target ${JSON.stringify(c.target)}, source ${JSON.stringify(c.source)}`);
}
