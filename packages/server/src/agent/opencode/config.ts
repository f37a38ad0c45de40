/**
 * OpenCode configuration for servers we run: the demo provider (when its URL is given), no autoupdate or
 * sharing, and the permission rules that make a session autonomous. Passed as OPENCODE_CONFIG_CONTENT so
 * nothing is written into a worktree (reference/opencode.md §3).
 */
export function demoConfig(demoUrl: string): Record<string, unknown> {
  return {
    model: "demo/demo-model",
    small_model: "demo/demo-model",
    enabled_providers: ["demo"],
    autoupdate: false,
    share: "disabled",
    provider: {
      demo: {
        npm: "@ai-sdk/openai-compatible",
        name: "Demo model (scripted fake LLM, not an AI)",
        options: { baseURL: demoUrl, apiKey: "demo" },
        models: {
          "demo-model": { name: "Demo model", tool_call: true, limit: { context: 128000, output: 8192 } },
        },
      },
    },
    permission: autonomous,
  };
}

/** Fully autonomous, all verified in reference/opencode.md §8: nothing can block on a person. */
export const autonomous = {
  edit: "allow",
  bash: "allow",
  webfetch: "deny",
  external_directory: "deny",
  doom_loop: "deny",
  question: "deny",
  read: { "*": "allow" },
};
