// Child process: start the server with the JSON options given as argv[2], print {url, adminKey}, and stop
// cleanly on SIGTERM. Used by benchmarks whose clients must not share the server's event loop.
import { start } from "@orchestrator/server";
import { reply } from "./child.ts";

const options = JSON.parse(process.argv[2] ?? "{}");
const server = await start(options);
if (!server.adminKey) {
  // The admin key is only shown on a database's first start; the benchmarks need an empty database.
  await server.stop();
  throw new Error("the database already has API keys: give the benchmarks an empty database");
}
reply({ url: server.url, adminKey: server.adminKey, pid: process.pid });
process.once("SIGTERM", () => {
  server.stop().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
});
