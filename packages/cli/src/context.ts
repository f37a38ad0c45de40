import { type Client, createClient } from "@orchestrator/sdk";
import type { Command } from "commander";
import * as Config from "./config.ts";

export interface Globals extends Config.Flags {
  json?: boolean;
}

/** What every command that talks to a server needs: the resolved target, a client, the output mode. */
export interface Context {
  json: boolean;
  target: Config.Target;
  client: Client;
}

export function context(cmd: Command): Context {
  const globals = cmd.optsWithGlobals<Globals>();
  const target = Config.resolve(globals);
  return { json: globals.json ?? false, target, client: createClient({ url: target.url, key: target.key }) };
}
