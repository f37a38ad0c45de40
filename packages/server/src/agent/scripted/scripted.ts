import { setTimeout as sleep } from "node:timers/promises";
import { type Agent, type AgentEvent, Fatal, RetryAfter, type RunInput } from "../agent.ts";

/**
 * A test double, not an AI: it follows instructions written in the prompt, one per line, so tests,
 * benchmarks and demos can drive every path of the engine.
 *
 *   emit N [text]         N message events
 *   sleep MS              wait (aborts promptly)
 *   checkpoint            save the position; a retried or resumed run continues after it
 *   fail MESSAGE          retryable failure
 *   fail-attempt K MSG    retryable failure on attempt K only
 *   retry-after MS MSG    retryable failure that asks for a delay
 *   fatal MESSAGE         failure that must not be retried
 *   hang                  wait until aborted (for timeouts, stalls and cancel)
 *   degrade REASON / recover
 *   artifact NAME TEXT    an artifact event
 *   succeed [TEXT]        finish with result { text, artifacts }
 *   partial [TEXT]        finish with a partial result
 *   on KEY=VALUE INSTR    the instruction only when the session's metadata has KEY = VALUE (a plan's
 *                         planner is told its attempt so: `on plannerAttempt=1 succeed …`)
 *   hear                  wait for a person's message to the session, and say it back ("heard: …")
 *
 * A prompt without instructions succeeds at once, echoing the title. A round a person's message opened
 * follows the message's instructions instead (and its retry, the last message's).
 */
export const scripted: Agent = {
  name: "scripted",
  label: "scripted test agent — follows instructions in the prompt; not an AI",
  capabilities: ["scripted", "test"],
  run,
  health: async () => ({ ok: true }),
};

interface Position {
  line: number;
  /** The message whose instructions it was (absent: the prompt's), so a new round starts at its top. */
  of?: string;
}

async function* run(input: RunInput, signal: AbortSignal): AsyncGenerator<AgentEvent> {
  const said = input.talk.waiting.at(-1) ?? input.talk.last;
  if (input.talk.waiting.length) await input.talk.delivered(input.talk.waiting.map((m) => m.id));
  const lines = (said?.text ?? input.prompt)
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const saved = input.checkpoint as Position | null;
  const from = saved && saved.of === said?.id ? saved.line : 0;
  const artifacts: Record<string, string> = {};
  for (let i = from; i < lines.length; i++) {
    signal.throwIfAborted();
    let line = lines[i]!;
    const cond = /^on\s+([\w.-]+)=(\S+)\s+(.*)$/.exec(line);
    if (cond) {
      if (String(input.metadata?.[cond[1]!]) !== cond[2]) continue;
      line = cond[3]!;
    }
    const [verb = "", ...rest] = line.split(/\s+/);
    const arg = rest.join(" ");
    switch (verb) {
      case "emit": {
        const n = Number(rest[0] ?? 1);
        const text = rest.slice(1).join(" ") || "step";
        for (let k = 1; k <= n; k++) yield { type: "message", text: `${text} ${k}/${n}` };
        break;
      }
      case "sleep":
        await sleep(Number(arg), undefined, { signal });
        break;
      case "checkpoint":
        yield {
          type: "checkpoint",
          data: (said ? { line: i + 1, of: said.id } : { line: i + 1 }) satisfies Position,
        };
        break;
      case "fail":
        throw new Error(arg || "scripted failure");
      case "fail-attempt":
        if (input.attempt === Number(rest[0])) throw new Error(rest.slice(1).join(" ") || "scripted failure");
        break;
      case "retry-after":
        throw new RetryAfter(rest.slice(1).join(" ") || "scripted retry", Number(rest[0]));
      case "fatal":
        throw new Fatal(arg || "scripted fatal failure");
      case "hang":
        await new Promise((_, reject) => {
          signal.addEventListener("abort", () => reject(signal.reason), { once: true });
        });
        break;
      case "hear": {
        const stopped = new Promise<never>((_, reject) =>
          signal.addEventListener("abort", () => reject(signal.reason), { once: true }),
        );
        stopped.catch(() => {}); // the race below reports the abort; an unraced one needs no report
        let heard = await input.talk.pending();
        while (!heard.length) {
          await Promise.race([input.talk.arrived(), stopped]);
          heard = await input.talk.pending();
        }
        await input.talk.delivered(heard.map((m) => m.id));
        for (const m of heard) yield { type: "message", text: `heard: ${m.text}` };
        break;
      }
      case "degrade":
        yield { type: "degraded", reason: arg || "scripted" };
        break;
      case "recover":
        yield { type: "recovered" };
        break;
      case "artifact": {
        const [name = "artifact", ...text] = rest;
        artifacts[name] = text.join(" ");
        yield { type: "artifact", name, content: text.join(" ") };
        break;
      }
      case "succeed":
      case "partial":
        yield {
          type: "result",
          result: { text: arg || input.title, artifacts },
          partial: verb === "partial",
        };
        return;
      default:
        yield { type: "log", level: "warn", text: `unknown instruction ignored: ${verb}` };
    }
  }
  yield { type: "result", result: { text: input.title, artifacts } };
}
