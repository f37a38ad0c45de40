import { type Answer, type Approval, ApiError, type Client } from "@orchestrator/sdk";
import { type Command, Option } from "commander";
import * as Ask from "../approval.ts";
import { collect } from "../args.ts";
import { context } from "../context.ts";
import { Usage } from "../exit.ts";
import * as Out from "../output.ts";

/** The id names neither an approval nor a session with something pending. */
export class NoApproval extends Error {
  override name = "NoApproval";
  readonly code = "not_found";
}

export function register(program: Command): void {
  const approvals = program
    .command("approvals")
    .description("what agents wait on a person for (the pending inbox; --all for every one)");
  approvals
    .command("ls", { isDefault: true })
    .alias("list")
    .description("pending approvals, newest first")
    .option("--all", "answered, expired and withdrawn ones too")
    .action(async (o: { all?: boolean }, cmd: Command) => {
      const { client, json } = context(cmd);
      const items = await client.approvals.list(o.all ? {} : { status: "pending" });
      if (json) return Out.json({ items });
      if (items.length === 0) return Out.print(o.all ? "no approvals" : "no pending approvals");
      for (const line of table(items)) Out.print(line);
      // The table cuts each request to a line: what exactly is asked is one command away.
      Out.warn("see one in full (the command verbatim, where it runs): orchestrator approvals show <id>");
    });

  approvals
    .command("show")
    .argument("<id>", "an approval id, or a session id with exactly one pending approval")
    .description("one approval in full: the command verbatim and where it runs, or the diff of an edit")
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const { client, json } = context(cmd);
      const a = await find(client, id, false);
      if (json) return Out.json(a);
      for (const line of show(a)) Out.print(line);
    });

  program
    .command("approve")
    .argument("<id>", "an approval id, or a session id with exactly one pending approval")
    .description("answer an agent: allow once (the default), --always, --reject, or --answer a question")
    .addOption(
      new Option("--always", "allow it, and what matches it, from now on").conflicts(["reject", "answer"]),
    )
    .addOption(
      new Option("--reject", "refuse: the agent is told and carries on without it").conflicts("answer"),
    )
    .option("--message <text>", "with --reject: why, for the agent to read")
    .option(
      "--answer <choice>",
      "for a question: an option's label or number, or your own words; repeat for several choices, or once per question",
      collect,
    )
    .action((id: string, o: Ask.Flags, cmd: Command) => reply(cmd, id, (a) => Ask.fromFlags(a, o)));
  answer(program);
}

/** `answer <id> <words…>`: reply to what an agent asks as the inline prompt would take it. */
function answer(program: Command): void {
  program
    .command("answer")
    .argument("<id>", "an approval id, or a session id with exactly one pending approval")
    .argument(
      "<reply...>",
      "a question: an option's label or number, or your own words (one per question); a permission: once, always, or reject [why]",
    )
    .description(
      "answer what an agent asks, in words: a question's choice or your own answer, or a permission",
    )
    .action((id: string, words: string[], _o: unknown, cmd: Command) =>
      reply(cmd, id, (a) => Ask.fromWords(a, words)),
    );
}

/** Find the approval, answer it as `make` says, and print how it went. */
async function reply(cmd: Command, id: string, make: (a: Approval) => Answer): Promise<void> {
  const { client, json } = context(cmd);
  const a = await find(client, id);
  const answered = await client.approvals.answer(a.id, make(a));
  if (json) return Out.json(answered);
  const done = Ask.outcome("approval.answered", { ...answered.answer }).trim();
  Out.print(`${done}  ${Ask.what(a.request)}  (session ${a.sessionId})`);
}

/** The approval itself, or else the one pending approval of the session with that id. */
export async function find(client: Client, id: string, pendingOnly = true): Promise<Approval> {
  try {
    return await client.approvals.get(id);
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== "not_found") throw err;
  }
  let pending: Approval[];
  try {
    pending = await client.approvals.forSession(id, pendingOnly ? { status: "pending" } : {});
    if (!pendingOnly && pending.length > 1) pending = pending.filter((a) => a.status === "pending");
  } catch (err) {
    if (err instanceof ApiError && err.code === "not_found")
      throw new NoApproval(`no approval or session with id ${id}`);
    throw err;
  }
  if (pending.length === 1) return pending[0]!;
  if (pending.length === 0) throw new NoApproval(`session ${id} has no pending approval`);
  throw new Usage(
    `session ${id} has ${pending.length} pending approvals; answer one by its id:\n` +
      pending.map((a) => `  ${a.id}  ${Ask.what(a.request)}`).join("\n"),
  );
}

/** `approvals show`: what is asked, exactly, how it stands, and how to answer it. */
function show(a: Approval, now = Date.now()): string[] {
  const when =
    a.status === "pending"
      ? `asked ${Out.age(a.createdAt, now)} ago; the timeout policy answers in ${Out.until(a.expiresAt, now)}`
      : `${a.status}${a.answer ? `: ${Ask.outcome("approval.answered", { ...a.answer }).trim()}` : ""}`;
  const asked =
    a.kind === "question"
      ? (a.request.questions ?? []).flatMap((q) => Ask.questionLines(q))
      : [`  ? ${Ask.what(a.request)}`, ...Ask.details(a.request)];
  return [
    `${a.kind} ${a.id}  (session ${a.sessionId})`,
    when,
    ...asked,
    ...(a.status === "pending" ? [Ask.hint(a.id, a.kind)] : []),
  ];
}

function table(items: Approval[], now = Date.now()): string[] {
  return Out.table(
    ["ID", "SESSION", "KIND", "STATUS", "AGE", "EXPIRES", "REQUEST"],
    items.map((a) => [
      a.id,
      a.sessionId,
      a.kind,
      a.status,
      Out.age(a.createdAt, now),
      a.status === "pending" ? `in ${Out.until(a.expiresAt, now)}` : "",
      Out.clip(Ask.what(a.request), 60),
    ]),
  );
}
