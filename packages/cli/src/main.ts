import { ApiError } from "@orchestrator/sdk";
import { Command, CommanderError } from "commander";
import pkg from "../package.json" with { type: "json" };
import * as Agents from "./commands/agents.ts";
import * as Approvals from "./commands/approvals.ts";
import * as Checkpoints from "./commands/checkpoints.ts";
import * as Diff from "./commands/diff.ts";
import * as Events from "./commands/events.ts";
import * as Contexts from "./commands/context.ts";
import * as Mcp from "./commands/mcp.ts";
import * as Login from "./commands/login.ts";
import * as Plans from "./commands/plan.ts";
import * as Profiles from "./commands/profiles.ts";
import * as Projects from "./commands/projects.ts";
import * as Run from "./commands/run.ts";
import * as Serve from "./commands/serve.ts";
import * as Send from "./commands/send.ts";
import * as Land from "./commands/land.ts";
import * as Sessions from "./commands/sessions.ts";
import * as Stats from "./commands/stats.ts";
import * as Webhooks from "./commands/webhooks.ts";
import * as Exit from "./exit.ts";
import * as Out from "./output.ts";

// A reader that stops early (`orchestrator … | head`) is not an error: stop quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") process.exit(0);
    throw err;
  });

const program = new Command("orchestrator")
  .description("Industrial Orchestrator: run coding agents as durable sessions")
  .version(pkg.version)
  .option("--json", "machine output: the API's JSON (one event per line for events)")
  .option("--url <url>", "server URL (else ORCHESTRATOR_URL, the saved context, http://127.0.0.1:7420)")
  .option("--key <key>", "API key (else ORCHESTRATOR_API_KEY, the saved context)")
  .option("--context <name>", 'saved server and key to use (else ORCHESTRATOR_CONTEXT, "default")')
  .showHelpAfterError("(run with --help for usage)")
  .configureHelp({ showGlobalOptions: true })
  // Inherited by every command added below: commander throws instead of exiting, so exit codes stay ours.
  .exitOverride();

Serve.register(program);
Login.register(program);
Sessions.register(program);
Stats.register(program);
Events.register(program);
Agents.register(program);
Run.register(program);
Send.register(program);
Land.register(program);
Diff.register(program);
Projects.register(program);
Profiles.register(program);
Approvals.register(program);
Checkpoints.register(program);
Plans.register(program);
Contexts.register(program);
Mcp.register(program);
Webhooks.register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.exitCode = report(err, program.opts().json === true);
}

/** One clean line (or a JSON error object with --json) on stderr, and the exit code for it. */
function report(err: unknown, json: boolean): number {
  // Commander has already printed its own message (or the help) by the time it throws.
  if (err instanceof CommanderError) return err.exitCode === 0 ? Exit.code.ok : Exit.code.usage;
  const exit = Exit.forError(err);
  const message = err instanceof Error ? err.message : String(err);
  if (json) {
    const e = err as Partial<ApiError>;
    Out.warn(
      JSON.stringify({
        error: {
          code: typeof e.code === "string" ? e.code : "error",
          message,
          details: e.details,
          status: e.status,
        },
      }),
    );
    return exit;
  }
  Out.warn(`error: ${message}`);
  const hint = err instanceof ApiError ? hintFor(err) : null;
  if (hint) Out.warn(hint);
  return exit;
}

function hintFor(err: ApiError): string | null {
  const details = err.details as { allowed?: string[]; status?: string } | undefined;
  switch (err.code) {
    case "invalid_transition":
      return details?.allowed
        ? `allowed while ${details.status}: ${details.allowed.join(", ") || "nothing (it has ended)"}`
        : null;
    case "unreachable":
      return "is the server running? start one with `orchestrator serve`, or point at one with --url / ORCHESTRATOR_URL / `orchestrator login`";
    case "unauthorized":
      return "give a valid key with --key, ORCHESTRATOR_API_KEY or `orchestrator login`";
    default:
      return null;
  }
}
