// Placeholder entry until the CLI lands: only `serve` for now.
import { serve } from "@orchestrator/server";

const [cmd] = process.argv.slice(2);
if (cmd === "serve") {
  await serve();
} else {
  console.error("usage: orchestrator serve");
  process.exit(2);
}
