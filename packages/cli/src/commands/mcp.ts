import type { Command } from "commander";
import { context as ctxOf } from "../context.ts";
import * as Out from "../output.ts";

/**
 * `orchestrator mcp`: how to point an MCP client (an editor, an agent on this machine) at the server. The
 * key stays in the environment (ORCHESTRATOR_API_KEY): nothing printed here is a secret.
 */
export function register(program: Command): void {
  program
    .command("mcp")
    .description("print how to connect an MCP client (OpenCode, Claude Code, any Streamable HTTP client)")
    .action((_o, cmd: Command) => {
      const { target, json } = ctxOf(cmd);
      const url = `${target.url.replace(/\/$/, "")}/mcp`;
      const header = "Authorization: Bearer $ORCHESTRATOR_API_KEY";
      const opencode = {
        mcp: {
          orchestrator: {
            type: "remote",
            url,
            headers: { Authorization: "Bearer {env:ORCHESTRATOR_API_KEY}" },
            oauth: false,
          },
        },
      };
      if (json) return Out.json({ url, transport: "streamable-http", header, opencode });
      Out.print(`MCP endpoint (Streamable HTTP): ${url}`);
      Out.print(`Authenticate with an API key: ${header}`);
      Out.print("");
      Out.print("Claude Code:");
      Out.print(`  claude mcp add --transport http orchestrator ${url} --header "${header}"`);
      Out.print("");
      Out.print("OpenCode (opencode.json):");
      for (const l of JSON.stringify(opencode, null, 2).split("\n")) Out.print(`  ${l}`);
      Out.print("");
      Out.print("A viewer key reads; a member or admin key also submits work and answers approvals.");
    });
}
