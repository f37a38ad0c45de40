import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { TestServer } from "./harness.ts";

/**
 * A scripted external agent over plain HTTP (the fake at the process boundary): it registers, heartbeats,
 * and takes tasks by long-poll or by push, doing what each test tells it.
 */
export class FakeAgent {
  id = "";
  token = "";
  secret = "";
  beating: NodeJS.Timeout | null = null;
  held = new Set<string>();
  endpoint: Server | null = null;
  pushed: { body: any; headers: Record<string, string | string[] | undefined> }[] = [];
  readonly s: TestServer;
  readonly name: string;
  constructor(s: TestServer, name: string) {
    this.s = s;
    this.name = name;
  }

  async register(extra: Record<string, unknown> = {}): Promise<any> {
    const r = await this.s.api("/api/v1/agents/external/register", {
      method: "POST",
      json: { name: this.name, capabilities: ["x-echo"], capacity: 2, ...extra },
    });
    if (r.status !== 201) throw new Error(`register: ${r.status} ${JSON.stringify(r.body)}`);
    this.id = r.body.agent_id;
    this.token = r.body.auth_token;
    this.secret = r.body.signing_secret;
    return r.body;
  }

  call(path: string, init: RequestInit & { json?: unknown } = {}) {
    return this.s.api(`/api/v1/agents/external/${this.id}${path}`, {
      ...init,
      key: null,
      headers: { "x-agent-token": this.token, ...(init.headers as object) },
    });
  }

  heartbeat(body: Record<string, unknown> = {}) {
    return this.call("/heartbeat", {
      method: "POST",
      json: { status: "healthy", task_ids: [...this.held], ...body },
    });
  }

  /** Heartbeat every `ms` until `stop()` (a killed agent simply stops). */
  beat(ms = 200): void {
    this.beating = setInterval(() => void this.heartbeat().catch(() => {}), ms);
  }

  stop(): void {
    if (this.beating) clearInterval(this.beating);
    this.beating = null;
    this.endpoint?.close();
  }

  async next(wait = 5): Promise<any | null> {
    const r = await this.call(`/tasks/next?wait=${wait}`);
    if (r.status === 204) return null;
    if (r.status !== 200) throw new Error(`next: ${r.status} ${JSON.stringify(r.body)}`);
    this.held.add(r.body.task_id);
    return r.body;
  }

  events(task: any, events: unknown[]) {
    return this.call(`/tasks/${task.task_id}/events`, {
      method: "POST",
      json: { attempt: task.attempt, events },
    });
  }

  result(task: any, body: Record<string, unknown> = {}) {
    this.held.delete(task.task_id);
    return this.call(`/tasks/${task.task_id}/result`, {
      method: "POST",
      json: { attempt: task.attempt, status: "completed", output_data: { echo: task.input_data }, ...body },
    });
  }

  /** Listen for pushed assignments; `answer` picks the HTTP status (202 takes the task). */
  async listen(answer: (body: any) => number = () => 202): Promise<string> {
    this.endpoint = createServer((req, res) => {
      let raw = "";
      req.on("data", (c) => (raw += c));
      req.on("end", () => {
        const body = JSON.parse(raw);
        this.held.add(body.task_id);
        this.pushed.push({ body: { raw, ...body }, headers: req.headers });
        res.statusCode = answer(body);
        res.end();
      });
    });
    await new Promise<void>((r) => this.endpoint!.listen(0, "127.0.0.1", r));
    return `http://127.0.0.1:${(this.endpoint.address() as AddressInfo).port}/eap`;
  }

  verify(p: { body: any; headers: Record<string, string | string[] | undefined> }): boolean {
    const ts = String(p.headers["x-eap-timestamp"]);
    const want = `v1=${createHmac("sha256", this.secret).update(`${ts}.${p.body.raw}`).digest("hex")}`;
    return p.headers["x-eap-signature"] === want;
  }
}
