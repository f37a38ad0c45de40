import { z } from "zod";

/**
 * Outbound webhooks (docs/webhooks.md): a tenant's admin registers a URL and the events it wants; the
 * server POSTs each one, signed, and retries with backoff. The vocabulary is small on purpose: what a team
 * wants in its chat, not every entry of the log.
 */
export const WebhookEvent = z
  .enum([
    "session.waiting",
    "session.completed",
    "session.failed",
    "session.cancelled",
    "session.landing",
    "plan.status",
    "plan.landing",
  ])
  .meta({ id: "WebhookEvent" });
export type WebhookEvent = z.infer<typeof WebhookEvent>;

/** What each event means, for documentation, the CLI's help and the Control Room's form. */
export const webhookEvents: Record<WebhookEvent, string> = {
  "session.waiting": "an agent asks a person (an approval): attention needed",
  "session.completed": "a session completed (or partially completed)",
  "session.failed": "a session failed, timed out or was orphaned",
  "session.cancelled": "a session was cancelled or stopped",
  "session.landing":
    "a finished session's branch was merged, pushed or proposed as a pull request, or that was refused",
  "plan.status": "a plan changed status (started, succeeded, failed, cancelled …)",
  "plan.landing":
    "a plan's integration branch was merged, pushed or proposed as a pull request, or that was refused",
};

/** A test delivery (POST …/ping): sent whatever the webhook subscribes to. */
export const pingEvent = "ping";

const Url = z
  .string()
  .trim()
  .min(1)
  .max(2000)
  .describe("where to POST: http or https; it must not resolve to a loopback, link-local or private address");
const Events = z
  .array(WebhookEvent)
  .min(1)
  .max(WebhookEvent.options.length)
  .refine((e) => new Set(e).size === e.length, "an event is listed twice")
  .describe("the events to send");
const Description = z.string().trim().max(200).describe("what it is for, e.g. the channel");

export const CreateWebhook = z
  .object({
    url: Url,
    events: Events,
    description: Description.default(""),
    active: z.boolean().default(true).describe("false: registered, but nothing is sent"),
  })
  .strict()
  .meta({ id: "CreateWebhook" });
export type CreateWebhook = z.input<typeof CreateWebhook>;

export const UpdateWebhook = z
  .object({ url: Url, events: Events, description: Description, active: z.boolean() })
  .partial()
  .strict()
  .refine((u) => Object.keys(u).length > 0, "give at least one field")
  .meta({ id: "UpdateWebhook" });
export type UpdateWebhook = z.input<typeof UpdateWebhook>;

export const DeliveryStatus = z
  .enum(["pending", "delivered", "failed"])
  .meta({ id: "WebhookDeliveryStatus" });
export type DeliveryStatus = z.infer<typeof DeliveryStatus>;

export const Delivery = z
  .object({
    id: z.uuid().describe("also the X-Orchestrator-Event-Id header: the same on every attempt"),
    webhookId: z.uuid(),
    event: z.string().describe("a WebhookEvent, or ping"),
    eventId: z.number().int().nullable().describe("the log entry it came from (null for a ping)"),
    status: DeliveryStatus,
    attempt: z.number().int().describe("attempts made so far"),
    maxAttempts: z.number().int(),
    nextAt: z.iso.datetime().nullable().describe("when the next attempt is due, while pending"),
    lastStatus: z.number().int().nullable().describe("the HTTP status of the last attempt, if it answered"),
    lastError: z.string().nullable(),
    deliveredAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    payload: z.unknown().describe("the JSON body sent"),
  })
  .meta({ id: "WebhookDelivery" });
export type Delivery = z.infer<typeof Delivery>;

export const Webhook = z
  .object({
    id: z.uuid(),
    url: z.string(),
    description: z.string(),
    events: z.array(WebhookEvent),
    active: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    last: Delivery.pick({ event: true, status: true, lastStatus: true, createdAt: true })
      .nullable()
      .describe("the newest delivery"),
    failed: z.number().int().describe("deliveries that gave up, in the last 24 hours"),
  })
  .meta({ id: "Webhook" });
export type Webhook = z.infer<typeof Webhook>;

export const NewWebhook = Webhook.extend({
  secret: z.string().describe("the signing secret: shown only in this answer"),
}).meta({ id: "NewWebhook" });
export type NewWebhook = z.infer<typeof NewWebhook>;

export const DeliveryQuery = z
  .object({
    status: DeliveryStatus.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .strict();
export type DeliveryQuery = { status?: DeliveryStatus; limit?: number };

/** The signature header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
export const signatureHeader = "x-orchestrator-signature";
/** The delivery's id, the same on every attempt: receivers drop what they have seen. */
export const eventIdHeader = "x-orchestrator-event-id";
export const eventHeader = "x-orchestrator-event";
