import { type Server as HttpServer, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Delivery, NewWebhook } from "@orchestrator/sdk";
import type { Server } from "@orchestrator/server";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { run, serve } from "./harness.ts";

// Webhooks from the terminal, against a real server and a real receiver on loopback.
let server: Server;
let env: Record<string, string>;
let receiver: HttpServer;
let url = "";
let status = 200;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.writeHead(status).end());
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  ({ server, env } = await serve({ webhooks: { allowHosts: ["127.0.0.1"] } }));
}, 120_000);
afterAll(async () => {
  await server?.stop();
  receiver?.close();
});

// Ten CLI processes in the first test: about 30 s on a quiet machine, more on a busy one.
describe("webhooks", { timeout: 120_000 }, () => {
  test("add prints the secret once; ls, test, deliveries, rotate and rm", async () => {
    const added = await run(["webhooks", "add", url, "-e", "session.failed", "-e", "plan.status"], env);
    expect(added.stderr).toBe("");
    expect(added.code).toBe(0);
    const id = /^added ([0-9a-f-]{36}) {2}/.exec(added.stdout)![1]!;
    const secret = /signing secret \(shown only now\): (whsec_\S+)/.exec(added.stdout)![1]!;

    const ls = await run(["webhooks", "ls"], env);
    expect(ls.stdout.split("\n")[0]).toMatch(/^ID\s+ACTIVE\s+EVENTS\s+LAST\s+FAILED 24H\s+URL$/);
    expect(ls.stdout).toContain(`${id}  yes     session.failed,plan.status  -`);
    expect(ls.stdout).not.toContain(secret);

    const ok = await run(["webhooks", "test", id], env);
    expect(ok).toMatchObject({ code: 0, stdout: "delivered (HTTP 200)\n" });
    status = 500;
    const down = await run(["--json", "webhooks", "test", id], env);
    expect(down.code).toBe(7);
    expect(Delivery.parse(JSON.parse(down.stdout))).toMatchObject({ status: "failed", lastStatus: 500 });

    const list = await run(["webhooks", "deliveries", id], env);
    const lines = list.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^STATUS\s+EVENT\s+ATTEMPT\s+HTTP\s+AGE\s+NOTE\s+ID$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 4))).toEqual([
      ["failed", "ping", "1/1", "500"],
      ["delivered", "ping", "1/1", "200"],
    ]);

    const rotated = await run(["--json", "webhooks", "rotate", id], env);
    expect(NewWebhook.parse(JSON.parse(rotated.stdout)).secret).not.toBe(secret);
    expect((await run(["webhooks", "disable", id], env)).stdout).toBe(`${id} off\n`);
    expect((await run(["webhooks", "rm", id], env)).stdout).toBe(`removed ${id}\n`);
    expect((await run(["webhooks", "test", id], env)).code).toBe(3);
  });

  test("a bad event is a usage error; a private address is refused naming the field", async () => {
    const typo = await run(["webhooks", "add", url, "-e", "session.exploded"], env);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("not an event");
    const metadata = await run(["webhooks", "add", "http://169.254.169.254/", "-e", "plan.status"], env);
    expect(metadata.code).toBe(2);
    expect(metadata.stderr).toContain("body.url");
  });
});
