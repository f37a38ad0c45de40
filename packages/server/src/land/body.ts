import type { Diff } from "@orchestrator/sdk";

/** What a pull request's description is made from: the session or plan, and what its log says it did. */
export interface Facts {
  kind: "session" | "plan";
  id: string;
  title: string;
  prompt: string;
  /** The agent's last message: its own account of the work. */
  summary: string | null;
  /** Commands the agent ran (its shell tool calls); not ok when the call itself failed. A session's only. */
  checks?: { command: string; ok: boolean }[];
  /** A plan's tasks and how each ended. */
  tasks?: { key: string; title: string; status: string }[];
  messages: number;
  diff: Pick<Diff, "files" | "additions" | "deletions">;
  usage: { input: number; output: number; cost: number };
  link: string;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
const quote = (s: string) =>
  clip(s.trim(), 4000)
    .split("\n")
    .map((l) => `> ${l}`)
    .join("\n");

/** The pull request's body, in Markdown. Pure: the same session gives the same text. */
export function body(f: Facts): string {
  const parts = [`### ${f.kind === "plan" ? "Goal" : "Asked"}\n\n${quote(f.prompt)}`];
  if (f.messages)
    parts.push(`…and ${f.messages} follow-up message${f.messages === 1 ? "" : "s"} in the session.`);
  if (f.summary) parts.push(`### Summary\n\n${clip(f.summary.trim(), 4000)}`);
  if (f.tasks)
    parts.push(
      `### Tasks\n\n${f.tasks
        .slice(0, 100)
        .map((t) => `- \`${t.key}\` ${clip(t.title.replace(/\n/g, " "), 200)}: ${t.status.replace("_", " ")}`)
        .join("\n")}`,
    );
  if (f.checks)
    parts.push(
      `### Commands run\n\n${
        f.checks.length
          ? f.checks
              .slice(-20)
              .map(
                (c) =>
                  `- \`${clip(c.command.replace(/`/g, "'"), 200)}\`${c.ok ? "" : " (the tool call failed)"}`,
              )
              .join("\n")
          : "The agent ran no commands."
      }`,
    );
  parts.push(
    `### Changes\n\n${f.diff.files.length} file${f.diff.files.length === 1 ? "" : "s"} changed, ` +
      `+${f.diff.additions} −${f.diff.deletions}\n\n` +
      f.diff.files
        .slice(0, 50)
        .map((p) => `- \`${p.file}\` +${p.additions} −${p.deletions}`)
        .join("\n"),
  );
  const tokens = f.usage.input + f.usage.output;
  parts.push(`### Usage\n\n${tokens.toLocaleString("en-US")} tokens, $${f.usage.cost.toFixed(4)}`);
  parts.push(`---\nOpened by Industrial Orchestrator from ${f.kind} [${f.id}](${f.link}).`);
  return parts.join("\n\n");
}
