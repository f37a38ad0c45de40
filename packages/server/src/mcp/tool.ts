import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { AppError } from "../error.ts";
import { Refused } from "./rest.ts";

/** A tool's answer: the value as JSON text (what OpenCode shows the model) and as structured content. */
export const ok = (value: unknown): CallToolResult => ({
  content: [{ type: "text", text: JSON.stringify(value, null, 1) }],
  ...(value && typeof value === "object" && !Array.isArray(value)
    ? { structuredContent: value as Record<string, unknown> }
    : {}),
});

/**
 * A refusal as a tool error the model can act on: the API's code, message and details (a 412's
 * conflicting paths, a 400's field). Anything else is our fault and is rethrown for the SDK to report.
 */
export function refused(err: unknown): CallToolResult {
  const error =
    err instanceof Refused
      ? { status: err.status, ...(err.body as { error?: object })?.error }
      : err instanceof AppError
        ? { status: err.status, ...err.toJSON().error }
        : null;
  if (!error) throw err;
  return { isError: true, content: [{ type: "text", text: JSON.stringify({ error }, null, 1) }] };
}

/** Run a tool's body, turning a refusal into a tool error. */
export const tool =
  <A>(fn: (args: A) => Promise<unknown>) =>
  async (args: A): Promise<CallToolResult> => {
    try {
      return ok(await fn(args));
    } catch (err) {
      return refused(err);
    }
  };
