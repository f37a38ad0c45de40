import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { type TestServer, create, events, serve, settle, until } from "./harness.ts";
import { SdkAgent } from "./a2a-agent.ts";

let s: TestServer;
const agents: SdkAgent[] = [];
beforeAll(async () => {
  s = await serve({ config: { agents: { allowHosts: ["127.0.0.1"] } } });
});
afterAll(async () => {
  for (const a of agents) a.stop();
  await s?.stop();
});

const sdkAgent = async (
  streaming: boolean,
  skills?: { id: string; tags: string[] }[],
  push = false,
  version: "1.0" | "0.3" = "1.0",
) => {
  const a = new SdkAgent();
  agents.push(a);
  return { a, cardUrl: await a.start({ streaming, push, version, ...(skills ? { skills } : {}) }) };
};

describe("the orchestrator as an A2A client of an agent built with the official SDK", () => {
  test("register by card URL: the card is fetched, skills become capabilities; bad cards are refused by field", async () => {
    const { cardUrl } = await sdkAgent(true, [
      { id: "summarise", tags: ["documentation"] },
      { id: "Fancy Trick", tags: [] },
    ]);
    const r = await s.api("/api/v1/agents", {
      method: "POST",
      json: { kind: "a2a", cardUrl, name: "sdk-reg" },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ name: "sdk-reg", kind: "a2a", status: "online", version: "1.2.3" });
    expect(r.body.capabilities.sort()).toEqual(["documentation", "x-fancy-trick"]);
    const ssrf = await s.api("/api/v1/agents", {
      method: "POST",
      json: { kind: "a2a", cardUrl: "http://169.254.169.254/.well-known/agent-card.json" },
    });
    expect(ssrf.status).toBe(422);
    expect(ssrf.body.error.details.issues[0].path).toBe("body.cardUrl");
    const missing = await s.api("/api/v1/agents", {
      method: "POST",
      json: { kind: "a2a", cardUrl: `${cardUrl}-nope` },
    });
    expect(missing.status).toBe(422);
    expect(missing.body.error.message).toContain("body.cardUrl");
    const dup = await s.api("/api/v1/agents", {
      method: "POST",
      json: { kind: "a2a", cardUrl, name: "sdk-reg" },
    });
    expect(dup.status).toBe(409);
  });

  test("a session routed to it runs over SendStreamingMessage: progress, artifacts and result land in the log", async () => {
    const { a, cardUrl } = await sdkAgent(true, [{ id: "echo", tags: ["x-a2a-stream"] }]);
    const reg = await s.api("/api/v1/agents", {
      method: "POST",
      json: { kind: "a2a", cardUrl, name: "sdk-stream" },
    });
    expect(reg.body.capabilities).toEqual(["x-a2a-stream"]);
    const m = await create(s, { prompt: "hello there", capabilities: ["x-a2a-stream"] });
    const done = await settle(s, m.id, ["completed", "failed"], 15_000);
    expect(done.status).toBe("completed");
    expect(done.result).toEqual({ output: "echo: hello there", artifacts: { "echo.txt": "hello there" } });
    expect(done.agentId).toBe(reg.body.id);
    const evs = await events(s, m.id);
    expect(evs.filter((e) => e.type === "agent.message").map((e) => e.data.text)).toEqual([
      "thinking",
      "echo: hello there",
    ]);
    expect(evs.find((e) => e.type === "agent.artifact")?.data).toMatchObject({
      name: "echo.txt",
      content: "hello there",
    });
    expect(a.seen[0]).toMatchObject({
      text: "hello there",
      metadata: { orchestrator: { session: m.id, attempt: 1 } },
    });
  });

  test("without streaming: SendMessage; a failed task fails the session; a cancel cancels the remote task", async () => {
    const { a, cardUrl } = await sdkAgent(false, [{ id: "echo", tags: ["x-a2a-plain"] }]);
    await s.api("/api/v1/agents", { method: "POST", json: { kind: "a2a", cardUrl, name: "sdk-plain" } });
    const ok = await create(s, { prompt: "plain", capabilities: ["x-a2a-plain"] });
    expect((await settle(s, ok.id, ["completed", "failed"], 15_000)).result.output).toBe("echo: plain");
    const bad = await create(s, { prompt: "fail", capabilities: ["x-a2a-plain"], maxAttempts: 1 });
    const failed = await settle(s, bad.id, ["completed", "failed"], 15_000);
    expect(failed.status).toBe("failed");
    expect(failed.error.message).toContain("TASK_STATE_FAILED: could not");
    const hang = await create(s, { prompt: "hang", capabilities: ["x-a2a-plain"] });
    expect(a.cancelled).toEqual([]);
    await settle(s, hang.id, ["running"]);
    await until(async () => a.seen.some((x) => x.text === "hang"), 5000, "the agent got it");
    await s.api(`/api/v1/sessions/${hang.id}/cancel`, { method: "POST", json: {} });
    expect((await settle(s, hang.id, ["cancelled"])).status).toBe("cancelled");
    await until(async () => a.cancelled.length === 1, 5000, "the remote task cancelled");
  });

  test("a card that offers push: the send carries our push config, and a notification ends the wait at once", async () => {
    const { cardUrl } = await sdkAgent(false, [{ id: "echo", tags: ["x-a2a-push"] }], true);
    await s.api("/api/v1/agents", { method: "POST", json: { kind: "a2a", cardUrl, name: "sdk-push" } });
    const t0 = Date.now();
    const m = await create(s, { prompt: "slow", capabilities: ["x-a2a-push"] });
    expect((await settle(s, m.id, ["completed", "failed"], 15_000)).result.output).toBe("echo: slow");
    // Without the push the run would look again only after its 10 s backstop.
    expect(Date.now() - t0).toBeLessThan(5000);
    const stray = await fetch(`${s.url}/api/v1/a2a/push/${m.id}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-a2a-notification-token": "nope" },
      body: "{}",
    });
    expect(stray.status).toBe(401);
  });

  test("an agent that speaks only A2A 0.3: registered by its card and called over the 0.3 path", async () => {
    const { a, cardUrl } = await sdkAgent(true, [{ id: "echo", tags: ["x-a2a-old"] }], false, "0.3");
    const reg = await s.api("/api/v1/agents", {
      method: "POST",
      json: { kind: "a2a", cardUrl, name: "sdk-old" },
    });
    expect(reg.body).toMatchObject({ label: "A2A agent (0.3)", capabilities: ["x-a2a-old"] });
    const m = await create(s, { prompt: "from the past", capabilities: ["x-a2a-old"] });
    const done = await settle(s, m.id, ["completed", "failed"], 15_000);
    expect(done.result).toEqual({
      output: "echo: from the past",
      artifacts: { "echo.txt": "from the past" },
    });
    expect(a.versions.length).toBeGreaterThan(0);
    expect(a.versions.every((v) => v === "0.3" || v === "none")).toBe(true);
  });

  test.each([true, false])(
    "multi-turn (streaming %s): input-required asks a person, the answer continues the same remote task; a follow-up opens a round in its context",
    async (streaming) => {
      const tag = `x-a2a-ask-${streaming}`;
      const { a, cardUrl } = await sdkAgent(streaming, [{ id: "echo", tags: [tag] }]);
      await s.api("/api/v1/agents", {
        method: "POST",
        json: { kind: "a2a", cardUrl, name: `sdk-ask-${streaming}` },
      });
      const m = await create(s, { prompt: "ask", capabilities: [tag] });
      const q = await until(
        async () => (await s.api(`/api/v1/sessions/${m.id}/approvals?status=pending`)).body.items[0],
        15_000,
        "the remote agent's question",
      );
      expect(q).toMatchObject({ kind: "question", request: { title: "Which colour?" } });
      expect((await s.api(`/api/v1/sessions/${m.id}`)).body.status).toBe("waiting");
      await s.api(`/api/v1/approvals/${q.id}`, { method: "POST", json: { answers: [["blue"]] } });
      const done = await settle(s, m.id, ["completed", "failed"], 15_000);
      expect(done.result.output).toBe("colour: blue");
      const [opened, answered] = a.seen;
      expect(opened).toMatchObject({ text: "ask", taskId: null });
      expect(answered).toMatchObject({ text: "blue", contextId: opened!.contextId });
      expect(answered!.taskId).toBeTruthy();

      const sent = await s.api(`/api/v1/sessions/${m.id}/messages`, {
        method: "POST",
        json: { text: "hello again" },
      });
      expect(sent.body.newRound).toBe(true);
      const round = await until(
        async () => {
          const r = (await s.api(`/api/v1/sessions/${m.id}`)).body;
          return r.retries === 1 && ["completed", "failed"].includes(r.status) ? r : null;
        },
        15_000,
        "the new round",
      );
      expect(round.result.output).toBe("echo: hello again");
      expect(a.seen.at(-1)).toMatchObject({
        text: "hello again",
        taskId: null,
        contextId: opened!.contextId,
      });
    },
    40_000,
  );

  test("a follow-up while the remote task works goes to it as a message on the same task and context", async () => {
    const { a, cardUrl } = await sdkAgent(true, [{ id: "echo", tags: ["x-a2a-relay"] }]);
    await s.api("/api/v1/agents", { method: "POST", json: { kind: "a2a", cardUrl, name: "sdk-relay" } });
    const m = await create(s, { prompt: "hang", capabilities: ["x-a2a-relay"] });
    await until(async () => a.seen.some((x) => x.text === "hang"), 10_000, "the remote task working");
    const task = await until(
      async () =>
        (await events(s, m.id))
          .map((e) => /^A2A task (\S+) at/.exec(e.type === "agent.log" ? e.data.text : "")?.[1])
          .find(Boolean),
      5000,
      "the remote task's id in the log",
    );
    const sent = await s.api(`/api/v1/sessions/${m.id}/messages`, {
      method: "POST",
      json: { text: "also this" },
    });
    expect(sent.body.newRound).toBe(false);
    await until(async () => a.seen.some((x) => x.text === "also this"), 10_000, "the follow-up relayed");
    expect(a.seen.find((x) => x.text === "also this")).toMatchObject({
      taskId: task,
      contextId: a.seen[0]!.contextId,
    });
    await until(
      async () => (await s.api(`/api/v1/sessions/${m.id}/messages`)).body.items[0].deliveredAt,
      5000,
      "the message marked delivered",
    );
    await s.api(`/api/v1/sessions/${m.id}/cancel`, { method: "POST", json: {} });
  });
});
