import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";
import { AppError } from "../error.ts";

/** Addresses an outbound call to an agent must not reach unless allowed: loopback, link-local, private, unspecified. */
const blocked = new BlockList();
for (const [net, bits] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.168.0.0", 16],
] as const)
  blocked.addSubnet(net, bits, "ipv4");
for (const [net, bits] of [
  ["::", 128],
  ["::1", 128],
  ["fc00::", 7],
  ["fe80::", 10],
] as const)
  blocked.addSubnet(net, bits, "ipv6");

/** The config allowlist: host names as written, addresses, and CIDR ranges. */
export function allowlist(entries: readonly string[]): { hosts: Set<string>; nets: BlockList } {
  const hosts = new Set<string>();
  const nets = new BlockList();
  for (const e of entries) {
    const [addr, bits] = e.split("/");
    const v = isIP(addr ?? "");
    if (v && bits) nets.addSubnet(addr!, Number(bits), v === 4 ? "ipv4" : "ipv6");
    else if (v) nets.addAddress(addr!, v === 4 ? "ipv4" : "ipv6");
    else hosts.add(e.toLowerCase());
  }
  return { hosts, nets };
}

/**
 * Refuse an agent URL (push endpoint, Agent Card, A2A interface) or a webhook's URL that resolves to an
 * internal address, so a registration cannot make the orchestrator call into its own network. Checked at
 * registration and again before each call, since DNS can change in between. `setting` names the allowlist
 * the operator would change.
 */
export async function check(
  raw: string,
  allow: { hosts: Set<string>; nets: BlockList },
  field: string,
  setting = "agents.allowHosts",
): Promise<URL> {
  const bad = (why: string) =>
    new AppError("validation_failed", `${field}: ${why}`, { issues: [{ path: field, message: why }] });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw bad("not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw bad("only http and https URLs");
  if (url.username || url.password) throw bad("credentials in the URL are not accepted");
  const host = url.hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (allow.hosts.has(host)) return url;
  let addrs: { address: string; family: number }[];
  try {
    addrs = isIP(host) ? [{ address: host, family: isIP(host) }] : await lookup(host, { all: true });
  } catch {
    throw bad(`cannot resolve ${host}`);
  }
  for (const found of addrs) {
    // An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it carries.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(found.address)?.[1];
    const address = mapped ?? found.address;
    const type = mapped || found.family === 4 ? "ipv4" : "ipv6";
    if (blocked.check(address, type) && !allow.nets.check(address, type))
      throw bad(
        `${host} resolves to ${address}, a loopback, link-local or private address; allow it with ${setting}`,
      );
  }
  return url;
}
