import { type Client, type Event, type EventData, type Session, endsSession } from "@orchestrator/sdk";
import * as Ask from "./approval.ts";
import { read, summary } from "./commands/diff.ts";
import { code } from "./exit.ts";
import * as Out from "./output.ts";
import { prompter } from "./prompt.ts";
import { hint as talkHint, talk } from "./talk.ts";

/**
 * The live view of one session, for `run` and `checkpoints … fork --follow`: follow it from its first
 * event to its end, then print the outcome. Ctrl-C (or SIGTERM) detaches: the session keeps running on
 * the server, and we say how to pick it up again. When the agent asks a person and standard input is a
 * terminal (and not --json), the question is asked inline (prompt.ts); otherwise one line says how to
 * answer with `orchestrator approve`. With `talk` on a terminal, lines typed meanwhile are messages to the
 * agent (talk.ts).
 */
export async function watch(
  client: Client,
  id: string,
  json: boolean,
  o: { talk?: boolean } = {},
): Promise<number> {
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  const tty = !json && process.stdin.isTTY;
  // With `talk`, what is typed goes to the agent (talk.ts); the approvals' prompts share its readline.
  const chat = tty && o.talk ? talk(client, id, interrupt, () => ask?.close()) : null;
  const ask = tty ? prompter(client, interrupt, chat?.rl) : null;
  if (chat) Out.print(talkHint);
  const view = live();
  try {
    const { ended } = await client.events.follow(id, {
      signal: stop.signal,
      until: endsSession,
      // Never awaits a person: the prompter runs beside the follow, so the stream stays read.
      onEvent: (e) => {
        if (e.type === "session.status") chat?.status(e.data.to);
        const approval = approvalOf(e);
        if (e.type !== "approval.requested" && approval) ask?.settle(approval.id);
        const asked =
          e.type === "approval.requested" && approval !== null && (ask?.add(approval.id) ?? false);
        if (json) {
          Out.json(e);
          if (e.type === "approval.requested" && approval) Out.warn(Ask.hint(approval.id, approval.kind));
          return;
        }
        for (const line of view(e, asked)) Out.print(line);
      },
      onReconnect: ({ error, delayMs, after }) => {
        const why = error instanceof Error ? error.message : String(error);
        Out.warn(`connection lost (${why}); reconnecting in ${delayMs} ms from #${after}`);
      },
    });
    ask?.close(); // before any more output: an abandoned prompt ends its line first
    await chat?.close();
    if (!ended) {
      Out.warn(`detached; session ${id} keeps running. Watch it again with:`);
      Out.warn(`  orchestrator events ${id} --follow`);
      return code.interrupted;
    }
  } finally {
    ask?.close();
    await chat?.close();
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
  const s = await client.sessions.get(id);
  if (json) Out.json(s);
  else for (const line of outcome(s)) Out.print(line);
  return s.status === "completed" ? code.ok : code.unsuccessful;
}

/** `▶ Fix the tests  <id>  (agent opencode)`: the first line of the view. */
export const header = (s: Session): string => `▶ ${s.title}  ${s.id}${s.agent ? `  (agent ${s.agent})` : ""}`;

function approvalOf(e: Event): { id: string; kind: "permission" | "question" } | null {
  if (!e.type.startsWith("approval.") || !("approvalId" in e.data) || typeof e.data.approvalId !== "string")
    return null;
  const kind = e.type === "approval.requested" && e.data.kind === "question" ? "question" : "permission";
  return { id: e.data.approvalId, kind };
}

const str = (v: unknown): string => (typeof v === "string" ? v : (JSON.stringify(v) ?? ""));

/**
 * The readable live view: a function of one event to the lines it adds. It remembers which tool calls
 * it has shown, so a call prints once when it starts and once when it ends, however many states the
 * agent reports in between. `asked`: an approval request is being asked inline, which shows it itself.
 */
export function live(): (e: Event, asked?: boolean) => string[] {
  const started = new Set<string>();
  return (e, asked = false) => {
    // Destructured, so the switch on `type` narrows `d` to its payload (sdk/events.ts).
    const { type, data: d } = e;
    switch (type) {
      case "session.status":
        return [status(d)];
      case "agent.tool": {
        const name = [str(d.tool), d.title ? str(d.title) : ""].filter(Boolean).join(" ");
        if (d.status === "pending" || d.status === "running") {
          if (started.has(str(d.callId))) return [];
          started.add(str(d.callId));
          return [`  ▸ ${name} …`];
        }
        const error = d.status === "error" && d.error ? `: ${str(d.error)}` : "";
        return [`  ▸ ${name} … ${str(d.status)}${error}`];
      }
      case "agent.message":
        return indent(str(d.text));
      case "agent.log":
        return indent(`${d.level === "info" ? "·" : "!"} ${str(d.text)}`);
      case "agent.progress":
        return [`  · ${str(d.done)}/${str(d.total)}`];
      case "agent.artifact":
        return [`  · artifact ${str(d.name)}`];
      case "approval.requested":
        return asked ? [] : requested(d);
      case "approval.answered":
      case "approval.expired":
      case "approval.withdrawn":
        return [Ask.outcome(type, d)];
      default:
        // session.created is the ▶ line already; checkpoints and the rest are in `events <id>`.
        return [];
    }
  };
}

/** An approval no one is asked about inline: what it is, and how to answer it. */
function requested(d: EventData<"approval.requested">): string[] {
  const request = d.request;
  const kind = d.kind === "question" ? "question" : "permission";
  const lines =
    kind === "question"
      ? (request.questions ?? []).flatMap((q) => Ask.questionLines(q))
      : [`  ? ${Ask.what(request)}`, ...Ask.details(request)];
  return [...lines, `    ${Ask.hint(str(d.approvalId), kind)}`];
}

/** `● running (attempt 1)`, `● failed — workspace_invalid: …`, `● waiting for a person` */
function status(d: EventData<"session.status">): string {
  const error = d.error;
  let line = `● ${str(d.to)}`;
  if (d.to === "waiting") line += " for a person";
  if (d.to === "running" && d.from !== "degraded" && d.from !== "waiting")
    line += ` (attempt ${str(d.attempt)})`;
  if (d.reason) line += `: ${str(d.reason)}`;
  if (error && error.message !== d.reason) line += ` — ${error.code}: ${error.message}`;
  return line;
}

const indent = (text: string) => text.split("\n").map((l) => `  ${l}`);

/** What the session ended as, what it cost, and for a workspace session its branch and what changed. */
function outcome(s: Session): string[] {
  const lines = ["", `${s.status}  ${s.title}  ${s.id}`];
  if (s.error) lines.push(`error     ${s.error.code}: ${s.error.message}`);
  const u = s.usage;
  if (u.input || u.output || u.reasoning || u.cost) lines.push(`tokens    ${Out.tokens(u)}`);
  const result = read(s.result);
  if (result) lines.push(...summary(result));
  if (s.status !== "completed") lines.push(`(see \`orchestrator events ${s.id}\` for the whole log)`);
  return lines;
}
