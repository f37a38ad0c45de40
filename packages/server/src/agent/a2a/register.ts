import { AgentCard } from "@a2a-js/sdk";
import { type AgentCreate, type AgentPreview, fromWords } from "@orchestrator/sdk";
import { sql } from "drizzle-orm";
import type { z } from "zod";
import type { Deps } from "../../api/deps.ts";
import { AppError } from "../../error.ts";
import * as Guard from "../../net/guard.ts";
import { type AgentRow, insert } from "../../registry/store.ts";

const bad = (path: string, message: string) =>
  new AppError("validation_failed", `${path}: ${message}`, { issues: [{ path, message }] });

/** Where to call an agent: its JSON-RPC interface, 1.0 preferred, else 0.3 (from the 1.0 list or a 0.3 card). */
export function endpointOf(json: Record<string, unknown>): { url: string; version: "1.0" | "0.3" } | null {
  const list =
    (json.supportedInterfaces as { url?: string; protocolBinding?: string; protocolVersion?: string }[]) ??
    [];
  const rpc = list.filter((i) => i.url && (i.protocolBinding ?? "JSONRPC") === "JSONRPC");
  const v1 = rpc.find((i) => i.protocolVersion?.startsWith("1."));
  if (v1) return { url: v1.url!, version: "1.0" };
  const v03 = rpc.find((i) => i.protocolVersion === "0.3");
  if (v03) return { url: v03.url!, version: "0.3" };
  const transport = (json.preferredTransport as string | undefined) ?? "JSONRPC";
  if (
    typeof json.url === "string" &&
    transport === "JSONRPC" &&
    String(json.protocolVersion ?? "").startsWith("0.")
  )
    return { url: json.url, version: "0.3" };
  return null;
}

/** Skills as capabilities: a skill id or tag from the vocabulary counts as itself, any other skill as `x-<id>`. */
export function skillsToCapabilities(skills: { id: string; tags?: string[] }[]): string[] {
  const out = new Set<string>();
  for (const s of skills) {
    const words = fromWords([s.id, ...(s.tags ?? [])]);
    if (words.length) words.forEach((w) => out.add(w));
    else {
      const slug = s.id
        .toLowerCase()
        .replace(/[^a-z0-9_-]+/g, "-")
        .replace(/^-+|-+$/g, "")
        .slice(0, 60);
      if (slug) out.add(`x-${slug}`);
    }
  }
  return [...out];
}

/** What registering a card would insert, read and checked: the card as fetched, and the row it makes. */
export interface Plan {
  card: AgentCard;
  json: Record<string, unknown>;
  version: "1.0" | "0.3";
  row: Omit<Parameters<typeof insert>[2], "tenantId">;
}

/**
 * Read an A2A agent's card for registration: fetch it through the SSRF guard, check it offers a JSON-RPC
 * interface we speak, and map its skills to capabilities. Saves nothing; registering and previewing both
 * start here, so a card one refuses the other refuses the same way.
 */
export async function read(deps: Deps, input: z.output<typeof AgentCreate>): Promise<Plan> {
  const allow = Guard.allowlist(deps.config.agents.allowHosts);
  await Guard.check(input.cardUrl, allow, "body.cardUrl");
  let json: Record<string, unknown>;
  try {
    const res = await fetch(input.cardUrl, {
      headers: { accept: "application/json", "a2a-version": "1.0" },
      redirect: "error",
      signal: AbortSignal.timeout(deps.config.agents.callTimeoutMs),
    });
    if (!res.ok) throw new Error(`it answered ${res.status}`);
    json = (await res.json()) as Record<string, unknown>;
    if (!json || typeof json !== "object") throw new Error("it is not a JSON object");
  } catch (err) {
    throw bad("body.cardUrl", `could not read an Agent Card there: ${(err as Error).message}`);
  }
  const card = AgentCard.fromJSON(json);
  if (!card.name) throw bad("body.cardUrl", "the card has no name");
  const at = endpointOf(json);
  if (!at) throw bad("body.cardUrl", "the card offers no JSON-RPC interface of A2A 1.0 or 0.3");
  await Guard.check(at.url, allow, "body.cardUrl");
  const capabilities = input.capabilities ?? skillsToCapabilities(card.skills);
  if (!capabilities.length)
    throw bad("body.capabilities", "the card's skills map to no capability: give capabilities");
  return {
    card,
    json,
    version: at.version,
    row: {
      name: input.name ?? card.name.replace(/[^A-Za-z0-9._-]+/g, "-").slice(0, 100),
      kind: "a2a",
      label: `A2A agent (${at.version})`,
      version: card.version || "0.0.0",
      description: card.description.slice(0, 500),
      capabilities,
      capacity: input.capacity,
      mode: null,
      endpoint: at.url,
      tokenHash: null,
      secret: null,
      ttlMs: 0,
      card: json,
      metadata: { protocolVersion: at.version, cardUrl: input.cardUrl },
    },
  };
}

/**
 * Register an A2A agent by its Agent Card, keeping the card. A2A agents have no heartbeat: they count as
 * online, and the breaker takes them out of routing when their calls keep failing.
 */
export async function register(
  deps: Deps,
  tenantId: string,
  input: z.output<typeof AgentCreate>,
): Promise<AgentRow> {
  const plan = await read(deps, input);
  return insert(deps.db, deps.clock.now(), { tenantId, ...plan.row });
}

/** Every interface a card offers: A2A 1.0's list, or a 0.3 card's main URL and additional interfaces. */
export function transports(
  json: Record<string, unknown>,
): { url: string; binding: string; version: string }[] {
  const list = (json.supportedInterfaces as Record<string, unknown>[] | undefined) ?? [];
  if (list.length)
    return list.map((i) => ({
      url: String(i.url ?? ""),
      binding: String(i.protocolBinding ?? "JSONRPC"),
      version: String(i.protocolVersion ?? ""),
    }));
  const version = String(json.protocolVersion ?? "");
  const main =
    typeof json.url === "string"
      ? [{ url: json.url, binding: String(json.preferredTransport ?? "JSONRPC"), version }]
      : [];
  const more = ((json.additionalInterfaces as Record<string, unknown>[] | undefined) ?? []).map((i) => ({
    url: String(i.url ?? ""),
    binding: String(i.transport ?? ""),
    version,
  }));
  // A 0.3 card usually repeats its main interface among the additional ones.
  return [...main, ...more.filter((m) => !main.some((x) => x.url === m.url && x.binding === m.binding))];
}

/** What registering would create, from the same reading of the card; nothing is saved. */
export async function preview(
  deps: Deps,
  tenantId: string,
  input: z.output<typeof AgentCreate>,
): Promise<AgentPreview> {
  const { card, json, version, row } = await read(deps, input);
  // The same test as the unique index agents_name: one live agent of a name per tenant.
  const taken = await deps.db.rows(sql`
    select 1 from agents where tenant_id = ${tenantId} and name = ${row.name} and deleted_at is null`);
  return {
    name: row.name,
    nameTaken: taken.length > 0,
    description: row.description,
    version: row.version,
    label: row.label,
    url: row.endpoint!,
    protocolVersion: version,
    capabilities: row.capabilities,
    capacity: row.capacity,
    skills: card.skills.map((s) => ({ id: s.id, name: s.name, description: s.description, tags: s.tags })),
    transports: transports(json),
    streaming: card.capabilities?.streaming ?? false,
    pushNotifications: card.capabilities?.pushNotifications ?? false,
  };
}
