import * as Log from "./log.ts";
import { type Options, type Server, start } from "./server.ts";

/**
 * Run the server until SIGTERM/SIGINT, then shut down gracefully: stop claiming, let runs finish or hand
 * their leases back, close the database. A second signal exits at once.
 */
export async function serve(opts: Options = {}, print: (text: string) => void = Log.print): Promise<Server> {
  const server = await start(opts);
  // One write, queued behind what start-up logged: no log line can land inside it (say between "keep it:"
  // and the key). Tests and the browser tests' fixture read the URL and the key from it.
  print(banner(server));
  // The last net under every callback (each catches its own: a socket's error closes that socket, a
  // timer's is logged). Something that still escapes is a bug to see in the log, not a reason to drop
  // every client, every stream and every running agent of this node.
  process.on("unhandledRejection", (err) =>
    server.deps.log.error({ err }, "a promise failed with no one to hear it (a bug); serving on"),
  );
  process.on("uncaughtException", (err) =>
    server.deps.log.fatal({ err }, "an uncaught exception (a bug); serving on"),
  );
  let signals = 0;
  const shutdown = (signal: string) => {
    if (++signals > 1) process.exit(130);
    print(`${signal}: shutting down (stop claiming, finish or hand back leases, close the database)…\n`);
    server.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  return server;
}

/** What a person starting the server needs: where everything is, and the admin key of a first start. */
export function banner(server: Server): string {
  const { config, db, profiles } = server.deps;
  const lines = [
    `Industrial Orchestrator listening on ${server.url}`,
    `  API docs     ${server.url}/docs`,
    `  Control Room ${server.url}/   (sign in with an API key)`,
  ];
  if (server.grpc) lines.push(`  EAP gRPC     ${server.grpc}   (REST: ${server.url}/api/v1/agents/external)`);
  lines.push(
    `  A2A card     ${server.url}/.well-known/agent-card.json`,
    `  database     ${db.kind === "pglite" ? `embedded PGlite in ${config.dataDir}` : "PostgreSQL (DATABASE_URL)"}`,
    `  runs         ${[...server.deps.agents.keys()].join(", ")} agents on this node`,
    `  profiles     ${profiles
      .all()
      .map((p) => `${p.name}${p.name === profiles.default ? " (default)" : ""}`)
      .join(", ")}`,
  );
  const real = profiles.all().filter((p) => !p.model.startsWith("demo/"));
  if (!real.length) {
    lines.push(
      "  model        the DEMO model: a scripted fake LLM, not an AI. It lets a real OpenCode edit a real",
      "               repository offline. Set ANTHROPIC_API_KEY or OPENAI_API_KEY for a real model.",
    );
  } else {
    lines.push(`  model        ${real.map((p) => p.model).join(", ")} (keys from the environment)`);
  }
  const others = Object.keys(config.tenants).length;
  lines.push(
    `  repos        the default tenant's repositories live under ${config.repoRoots.join(", ") || "(none)"}` +
      (others ? `; ${others} other tenant(s) have roots in the config file` : ""),
  );
  if (config.devNoAuth) lines.push("  auth         OFF (development mode, loopback only)");
  if (server.adminKey) {
    lines.push(
      "",
      "  An admin API key was created. It is shown only this once; keep it:",
      `    ${server.adminKey}`,
      `  Use it with: orchestrator login --url ${server.url} --key <key>`,
      "",
    );
  }
  return lines.join("\n") + "\n";
}
