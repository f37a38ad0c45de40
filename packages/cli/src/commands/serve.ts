import type { Command } from "commander";
import { int } from "../args.ts";

export function register(program: Command): void {
  program
    .command("serve")
    .description("run the server (API, status page, engine) in this process until SIGTERM/SIGINT")
    .option("--port <port>", "listen on this port (default 7420, or PORT)", int)
    .option(
      "--data-dir <dir>",
      "embedded database directory (default .orchestrator, or ORCHESTRATOR_DATA_DIR)",
    )
    .option("--dev-no-auth", "serve without API keys (loopback only)")
    .action(async (o: { port?: number; dataDir?: string; devNoAuth?: boolean }) => {
      // Loaded only here: the server pulls in PGlite, which the client commands have no use for.
      const { serve } = await import("@orchestrator/server");
      await serve({ config: { port: o.port, dataDir: o.dataDir, devNoAuth: o.devNoAuth } });
    });
}
