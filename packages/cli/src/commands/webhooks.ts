import { type Delivery, type Webhook, WebhookEvent, webhookEvents } from "@orchestrator/sdk";
import { type Command, InvalidArgumentError } from "commander";
import { int } from "../args.ts";
import { context } from "../context.ts";
import { code } from "../exit.ts";
import * as Out from "../output.ts";

const vocabulary = Object.entries(webhookEvents)
  .map(([e, what]) => `  ${e.padEnd(18)} ${what}`)
  .join("\n");

/** `--event` values are checked here, so a typo is a usage error before anything is sent. */
function event(value: string, previous: WebhookEvent[] = []): WebhookEvent[] {
  const parsed = WebhookEvent.safeParse(value);
  if (!parsed.success)
    throw new InvalidArgumentError(`not an event; one of ${WebhookEvent.options.join(", ")}.`);
  return [...previous, parsed.data];
}

export function register(program: Command): void {
  const hooks = program
    .command("webhooks")
    .description("outbound webhooks: the tenant's events POSTed, signed, to a URL (admin key)");

  hooks
    .command("add")
    .argument("<url>", "where to POST (http or https; not a loopback, link-local or private address)")
    .description("register a webhook; prints its signing secret, which is shown only this once")
    .requiredOption("-e, --event <event>", "an event to send; repeat for several", event)
    .option("--description <text>", "what it is for, e.g. the channel")
    .option("--inactive", "register it switched off")
    .addHelpText("after", `\nEvents:\n${vocabulary}`)
    .action(
      async (
        url: string,
        o: { event: WebhookEvent[]; description?: string; inactive?: boolean },
        cmd: Command,
      ) => {
        const { client, json } = context(cmd);
        const made = await client.webhooks.create({
          url,
          events: o.event,
          description: o.description,
          active: !o.inactive,
        });
        if (json) return Out.json(made);
        Out.print(`added ${made.id}  ${made.url}  (${made.events.join(", ")})`);
        Out.print(`signing secret (shown only now): ${made.secret}`);
      },
    );

  hooks
    .command("ls")
    .alias("list")
    .description("list the tenant's webhooks with their newest delivery")
    .action(async (_o, cmd: Command) => {
      const { client, json } = context(cmd);
      const items = await client.webhooks.list();
      if (json) return Out.json({ items });
      if (items.length === 0) return Out.print("no webhooks (add one with `orchestrator webhooks add`)");
      for (const l of Out.table(["ID", "ACTIVE", "EVENTS", "LAST", "FAILED 24H", "URL"], items.map(row)))
        Out.print(l);
    });

  hooks
    .command("rm")
    .alias("delete")
    .argument("<id>", "webhook id")
    .description("remove a webhook and its deliveries")
    .action(async (id: string, _o, cmd: Command) => {
      const { client, json } = context(cmd);
      await client.webhooks.remove(id);
      if (json) return Out.json({ id, deleted: true });
      Out.print(`removed ${id}`);
    });

  hooks
    .command("test")
    .alias("ping")
    .argument("<id>", "webhook id")
    .description("send a test delivery (event ping) now; exits 7 when it was not delivered")
    .action(async (id: string, _o, cmd: Command) => {
      const { client, json } = context(cmd);
      const d = await client.webhooks.ping(id);
      if (d.status !== "delivered") process.exitCode = code.unsuccessful;
      if (json) return Out.json(d);
      Out.print(
        d.status === "delivered" ? `delivered (HTTP ${d.lastStatus})` : `not delivered: ${d.lastError}`,
      );
    });

  hooks
    .command("deliveries")
    .argument("<id>", "webhook id")
    .description("the webhook's deliveries, newest first")
    .option("--status <status>", "pending, delivered or failed")
    .option("--limit <n>", "how many (1-200, default 50)", int)
    .action(async (id: string, o: { status?: Delivery["status"]; limit?: number }, cmd: Command) => {
      const { client, json } = context(cmd);
      const items = await client.webhooks.deliveries(id, o);
      if (json) return Out.json({ items });
      if (items.length === 0) return Out.print("no deliveries yet");
      const rows = items.map((d) => [
        d.status,
        d.event,
        `${d.attempt}/${d.maxAttempts}`,
        d.lastStatus === null ? "-" : String(d.lastStatus),
        Out.age(d.createdAt),
        d.status === "pending" && d.nextAt ? `next in ${Out.until(d.nextAt)}` : (d.lastError ?? ""),
        d.id,
      ]);
      for (const l of Out.table(["STATUS", "EVENT", "ATTEMPT", "HTTP", "AGE", "NOTE", "ID"], rows))
        Out.print(l);
    });

  hooks
    .command("rotate")
    .argument("<id>", "webhook id")
    .description("a new signing secret, shown only now; the old one signs nothing from now on")
    .action(async (id: string, _o, cmd: Command) => {
      const { client, json } = context(cmd);
      const made = await client.webhooks.rotate(id);
      if (json) return Out.json(made);
      Out.print(`signing secret (shown only now): ${made.secret}`);
    });

  for (const [name, active] of [
    ["enable", true],
    ["disable", false],
  ] as const)
    hooks
      .command(name)
      .argument("<id>", "webhook id")
      .description(
        active
          ? "switch a webhook on: it hears events from now on"
          : "switch a webhook off: nothing new is sent",
      )
      .action(async (id: string, _o, cmd: Command) => {
        const { client, json } = context(cmd);
        const w = await client.webhooks.update(id, { active });
        if (json) return Out.json(w);
        Out.print(`${w.id} ${w.active ? "on" : "off"}`);
      });
}

function row(w: Webhook): string[] {
  const last = w.last
    ? `${w.last.event} ${w.last.status}${w.last.lastStatus ? ` ${w.last.lastStatus}` : ""}`
    : "-";
  return [w.id, w.active ? "yes" : "no", w.events.join(","), last, String(w.failed), w.url];
}
