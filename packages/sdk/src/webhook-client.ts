import { z } from "zod";
import type { Call } from "./context-client.ts";
import {
  type CreateWebhook,
  Delivery,
  type DeliveryQuery,
  NewWebhook,
  type UpdateWebhook,
  Webhook,
} from "./webhook.ts";

const Webhooks = z.object({ items: z.array(Webhook) });
const Deliveries = z.object({ items: z.array(Delivery) });

const qs = (q: Record<string, string | number | undefined>) => {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : "";
};

/** The client's `webhooks` (admin keys): register, change, remove, rotate, deliveries and a test ping. */
export function webhooks(call: Call, remove: (path: string) => Promise<void>) {
  const at = (id: string) => `/api/v1/webhooks/${encodeURIComponent(id)}`;
  return {
    /** The signing secret is in this answer only. */
    create: (input: CreateWebhook) => call(NewWebhook, "POST", "/api/v1/webhooks", input),
    list: async () => (await call(Webhooks, "GET", "/api/v1/webhooks")).items,
    get: (id: string) => call(Webhook, "GET", at(id)),
    update: (id: string, patch: UpdateWebhook) => call(Webhook, "PATCH", at(id), patch),
    remove: (id: string) => remove(at(id)),
    /** A new signing secret, in this answer only; the old one stops signing at once. */
    rotate: (id: string) => call(NewWebhook, "POST", `${at(id)}/rotate`),
    /** Newest first. */
    deliveries: async (id: string, q: DeliveryQuery = {}) =>
      (await call(Deliveries, "GET", `${at(id)}/deliveries${qs(q)}`)).items,
    /** Send a `ping` now, once, and say how it went. */
    ping: (id: string) => call(Delivery, "POST", `${at(id)}/ping`),
  };
}
