import { ApiError, type Eap } from "@orchestrator/sdk";

/** Who the agent is, once registered: the token and signing secret are shown only at registration. */
export interface Credentials {
  agentId: string;
  token: string;
  /** Verifies pushed assignments; not needed to pull or stream. */
  secret?: string;
}

/** EAP v1 over REST. Every failure is an ApiError; `retryable` tells the caller whether to back off and retry. */
export class Rest {
  readonly base: string;
  readonly fetch: typeof fetch;
  constructor(base: string, f: typeof fetch = fetch) {
    this.base = base.replace(/\/+$/, "");
    this.fetch = f;
  }

  register(apiKey: string, body: Eap.Register): Promise<Eap.Registered> {
    return this.call("/api/v1/agents/external/register", { authorization: `Bearer ${apiKey}` }, body);
  }

  heartbeat(c: Credentials, body: Eap.Heartbeat): Promise<Eap.HeartbeatReply> {
    return this.agent(c, "/heartbeat", body);
  }

  deregister(c: Credentials, graceful: boolean, reason?: string): Promise<{ status: string; tasks: number }> {
    return this.agent(c, "/deregister", { graceful, reason });
  }

  /** Long-poll: the next assignment, or null when none came within `wait` seconds. */
  async next(c: Credentials, wait: number, signal?: AbortSignal): Promise<Eap.Assignment | null> {
    return this.agent(c, `/tasks/next?wait=${wait}`, undefined, signal);
  }

  events(c: Credentials, task: string, attempt: number, events: Eap.Event[]): Promise<unknown> {
    return this.agent(c, `/tasks/${task}/events`, { attempt, events });
  }

  /** The task's inbox: people's messages and answers to its questions, waiting up to `body.wait` s for news. */
  inbox(c: Credentials, task: string, body: Eap.Inbox, signal?: AbortSignal): Promise<Eap.InboxReply> {
    return this.agent(c, `/tasks/${task}/inbox`, body, signal);
  }

  result(
    c: Credentials,
    task: string,
    body: Eap.Result,
  ): Promise<{ status: string; session_status: string }> {
    return this.agent(c, `/tasks/${task}/result`, body);
  }

  private agent<T>(c: Credentials, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    return this.call(
      `/api/v1/agents/external/${c.agentId}${path}`,
      { "x-agent-token": c.token },
      body,
      signal,
    );
  }

  private async call<T>(
    path: string,
    headers: Record<string, string>,
    body?: unknown,
    signal?: AbortSignal,
  ): Promise<T> {
    let res: Response;
    try {
      res = await this.fetch(this.base + path, {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? headers : { ...headers, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ?? null,
      });
    } catch (err) {
      if (signal?.aborted) throw err;
      throw new ApiError(0, "unreachable", `cannot reach ${this.base}: ${(err as Error).message}`);
    }
    if (res.status === 204) return null as T;
    const text = await res.text();
    const json = text ? safeJson(text) : null;
    if (res.ok) return json as T;
    const e = (json as { error?: { code?: string; message?: string; details?: unknown } } | null)?.error;
    throw new ApiError(
      res.status,
      e?.code ?? `http_${res.status}`,
      e?.message ?? text.slice(0, 200),
      e?.details,
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { error: { message: text.slice(0, 200) } };
  }
}

/** Worth retrying: the server was unreachable, overloaded, or failed on its side. */
export const retryable = (err: unknown): boolean =>
  !(err instanceof ApiError) || err.status === 0 || err.status === 429 || err.status >= 500;
