import { type Options, type Server, start } from "./server.ts";

/**
 * Run the server until SIGTERM/SIGINT, then shut down gracefully: stop claiming, let runs finish or hand
 * their leases back, close the database. A second signal exits at once.
 */
export async function serve(
  opts: Options = {},
  out: (line: string) => void = (l) => process.stdout.write(l + "\n"),
): Promise<Server> {
  const server = await start(opts);
  const { config, db } = server.deps;
  out(`Industrial Orchestrator listening on ${server.url}`);
  out(`  API docs     ${server.url}/docs`);
  out(`  Control Room ${server.url}/   (sign in with an API key)`);
  if (server.grpc) out(`  EAP gRPC     ${server.grpc}   (REST: ${server.url}/api/v1/agents/external)`);
  out(`  A2A card     ${server.url}/.well-known/agent-card.json`);
  out(
    `  database     ${db.kind === "pglite" ? `embedded PGlite in ${config.dataDir}` : "PostgreSQL (DATABASE_URL)"}`,
  );
  out(`  runs         ${[...server.deps.agents.keys()].join(", ")} agents on this node`);
  const { profiles } = server.deps;
  const real = profiles.all().filter((p) => !p.model.startsWith("demo/"));
  out(
    `  profiles     ${profiles
      .all()
      .map((p) => `${p.name}${p.name === profiles.default ? " (default)" : ""}`)
      .join(", ")}`,
  );
  if (!real.length) {
    out("  model        the DEMO model: a scripted fake LLM, not an AI. It lets a real OpenCode edit a real");
    out("               repository offline. Set ANTHROPIC_API_KEY or OPENAI_API_KEY for a real model.");
  } else {
    out(`  model        ${real.map((p) => p.model).join(", ")} (keys from the environment)`);
  }
  out(`  repos        sessions may work on repositories under ${config.repoRoots.join(", ")}`);
  if (config.devNoAuth) out("  auth         OFF (development mode, loopback only)");
  if (server.adminKey) {
    out("");
    out("  An admin API key was created. It is shown only this once; keep it:");
    out(`    ${server.adminKey}`);
    out(`  Use it with: orchestrator login --url ${server.url} --key <key>`);
    out("");
  }
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
    out(`${signal}: shutting down (stop claiming, finish or hand back leases, close the database)…`);
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
