import { describe, expect, test } from "vitest";
import { type Message, messages, parser } from "./sse.ts";

const parseAll = (...chunks: string[]): Message[] => {
  const p = parser();
  return [...chunks.flatMap((c) => p.push(c)), ...p.end()];
};

const body = (...chunks: string[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const c of chunks) controller.enqueue(new TextEncoder().encode(c));
      controller.close();
    },
  });

describe("sse parser", () => {
  test("a message carries its id, event name and data", () => {
    expect(parseAll('id: 5\nevent: session.status\ndata: {"a":1}\n\n')).toEqual([
      { id: "5", event: "session.status", data: '{"a":1}' },
    ]);
  });

  test("a message is only dispatched at the blank line that ends it", () => {
    const p = parser();
    expect(p.push("id: 1\ndata: x\n")).toEqual([]);
    expect(p.push("\n")).toEqual([{ id: "1", event: "message", data: "x" }]);
  });

  test("chunks cut anywhere, even inside a field name or a CRLF, give the same messages", () => {
    const text = "id: 1\r\nevent: a\r\ndata: one\r\n\r\nid: 2\r\nevent: b\r\ndata: two\r\n\r\n";
    const whole = parseAll(text);
    expect(whole).toHaveLength(2);
    for (let cut = 1; cut < text.length; cut++) {
      expect(parseAll(text.slice(0, cut), text.slice(cut))).toEqual(whole);
    }
    expect(parseAll(...text.split(""))).toEqual(whole);
  });

  test("LF, CRLF and lone CR all end lines", () => {
    expect(parseAll("data: a\n\ndata: b\r\n\r\ndata: c\r\r")).toEqual([
      { event: "message", data: "a" },
      { event: "message", data: "b" },
      { event: "message", data: "c" },
    ]);
  });

  test("several data lines join with newlines", () => {
    expect(parseAll("data: one\ndata: two\ndata\n\n")).toEqual([{ event: "message", data: "one\ntwo\n" }]);
  });

  test("comments such as keep-alives are ignored and a block without data dispatches nothing", () => {
    expect(parseAll(": keep-alive\n\nid: 3\n\n: x\ndata: y\n\n")).toEqual([{ event: "message", data: "y" }]);
  });

  test("only one space after the colon is stripped; a field without a colon has an empty value", () => {
    expect(parseAll("data:  two spaces\nevent\n\n")).toEqual([{ event: "message", data: " two spaces" }]);
  });

  test("retry is read as milliseconds and unknown fields are ignored", () => {
    expect(parseAll("retry: 1500\nfoo: bar\ndata: z\n\n")).toEqual([
      { event: "message", data: "z", retry: 1500 },
    ]);
  });

  test("a message cut off by the end of the stream is dropped", () => {
    expect(parseAll("data: whole\n\ndata: half")).toEqual([{ event: "message", data: "whole" }]);
  });

  test("messages() reads a byte stream, including multi-byte characters split across chunks", async () => {
    const bytes = new TextEncoder().encode("data: café → ok\n\n");
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(bytes.slice(0, 10));
        c.enqueue(bytes.slice(10));
        c.close();
      },
    });
    const out: Message[] = [];
    for await (const m of messages(stream)) out.push(m);
    expect(out).toEqual([{ event: "message", data: "café → ok" }]);
  });

  test("messages() reports every chunk, so a stream of only keep-alives still counts as alive", async () => {
    let chunks = 0;
    const out: Message[] = [];
    for await (const m of messages(
      body(": keep-alive\n\n", ": keep-alive\n\n", "data: 1\n\n"),
      () => chunks++,
    ))
      out.push(m);
    expect(chunks).toBe(3);
    expect(out).toHaveLength(1);
  });
});
