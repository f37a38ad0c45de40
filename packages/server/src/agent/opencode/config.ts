/**
 * OpenCode configuration for servers we run: the demo provider, any real providers whose key is in the
 * environment (OpenCode reads ANTHROPIC_API_KEY and friends itself), no autoupdate or sharing, and
 * autonomous permission defaults that each session's profile then narrows or widens. Passed as
 * OPENCODE_CONFIG_CONTENT so nothing is written into a worktree (reference/opencode.md §3).
 */
export function serverConfig(demoUrl: string, providers: string[] = ["demo"]): Record<string, unknown> {
  return {
    model: "demo/demo-model",
    small_model: "demo/demo-model",
    enabled_providers: [...new Set(["demo", ...providers])],
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

/** The configuration with only the demo provider (tests and benchmarks). */
export const demoConfig = (demoUrl: string) => serverConfig(demoUrl);

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
