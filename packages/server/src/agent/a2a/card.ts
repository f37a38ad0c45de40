import { AgentCard } from "@a2a-js/sdk";
import { Capability } from "@orchestrator/sdk";
import type { Deps } from "../../api/deps.ts";

export const rpcPath = "/api/v1/a2a";

/**
 * The orchestrator's own Agent Card (A2A 1.0). Its skills are the capabilities of the agents it runs
 * itself; a client asks for one in `metadata.orchestrator.capabilities` of its message.
 */
export function card(deps: Deps, origin: string): AgentCard {
  const words = new Set<string>();
  for (const a of deps.agents.values()) for (const w of a.capabilities) words.add(w);
  const url = `${origin}${rpcPath}`;
  return AgentCard.fromJSON({
    name: "Industrial Orchestrator",
    description:
      "Runs work as durable sessions routed to the best coding agent (OpenCode profiles, EAP and A2A agents), with retries, timeouts, cancel and human approvals.",
    version: "0.1.0",
    supportedInterfaces: [
      { url, protocolBinding: "JSONRPC", protocolVersion: "1.0" },
      { url, protocolBinding: "JSONRPC", protocolVersion: "0.3" },
    ],
    capabilities: { streaming: true, pushNotifications: true },
    securitySchemes: {
      apiKey: { apiKeySecurityScheme: { location: "header", name: "x-api-key" } },
      bearer: { httpAuthSecurityScheme: { scheme: "bearer" } },
    },
    securityRequirements: [{ schemes: { apiKey: { list: [] } } }, { schemes: { bearer: { list: [] } } }],
    defaultInputModes: ["text/plain", "application/json"],
    defaultOutputModes: ["text/plain", "application/json"],
    skills: [
      {
        id: "session",
        name: "Run a session",
        description:
          "Any task: the prompt becomes a session, routed by the capabilities asked for in metadata.orchestrator.",
        tags: ["orchestration"],
      },
      ...[...words]
        .filter((w) => Capability.safeParse(w).success)
        .sort()
        .map((w) => ({ id: w, name: w, description: `sessions needing the ${w} capability`, tags: [w] })),
    ],
  });
}

/** The same card in A2A 0.3's shape, for clients that fetch it without an A2A-Version header. */
export function legacyCard(v: AgentCard, origin: string) {
  const json = AgentCard.toJSON(v) as Record<string, unknown>;
  return {
    ...json,
    url: `${origin}${rpcPath}`,
    preferredTransport: "JSONRPC",
    protocolVersion: "0.3",
    securitySchemes: {
      apiKey: { type: "apiKey", in: "header", name: "x-api-key" },
      bearer: { type: "http", scheme: "bearer" },
    },
    security: [{ apiKey: [] }, { bearer: [] }],
  };
}
