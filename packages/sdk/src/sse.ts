/**
 * A text/event-stream parser (the WHATWG "server-sent events" rules), because Node has fetch but no
 * EventSource. Pure and incremental: feed it text as it arrives, in chunks cut anywhere, and it returns
 * the messages completed so far.
 */
export interface Message {
  /** The `id:` field, when the message carried one. */
  id?: string;
  /** The `event:` field; "message" when absent, as in browsers. */
  event: string;
  data: string;
  /** A `retry:` field, in milliseconds. */
  retry?: number;
}

export function parser(): { push(text: string): Message[]; end(): Message[] } {
  let buffer = "";
  let data: string[] = [];
  let event = "";
  let id: string | undefined;
  let retry: number | undefined;

  const dispatch = (out: Message[]) => {
    // A block with no data field is not a message (comments-only blocks, a lone id: line).
    if (data.length > 0) {
      const message: Message = { event: event || "message", data: data.join("\n") };
      if (id !== undefined) message.id = id;
      if (retry !== undefined) message.retry = retry;
      out.push(message);
    }
    data = [];
    event = "";
    id = undefined;
    retry = undefined;
  };

  const line = (text: string, out: Message[]) => {
    if (text === "") return dispatch(out);
    if (text.startsWith(":")) return; // a comment, e.g. the server's keep-alive
    const colon = text.indexOf(":");
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? "" : text.slice(colon + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value);
    else if (field === "event") event = value;
    else if (field === "id" && !value.includes("\0")) id = value;
    else if (field === "retry" && /^\d+$/.test(value)) retry = Number(value);
  };

  const drain = (final: boolean): Message[] => {
    const out: Message[] = [];
    for (;;) {
      const match = /\r\n|\r|\n/.exec(buffer);
      if (!match) break;
      // A trailing \r may be the first half of \r\n split across chunks: wait for the next chunk.
      if (match[0] === "\r" && match.index === buffer.length - 1 && !final) break;
      line(buffer.slice(0, match.index), out);
      buffer = buffer.slice(match.index + match[0].length);
    }
    return out;
  };

  return {
    push(text) {
      buffer += text;
      return drain(false);
    },
    /** The stream closed: a half-received message is dropped, as the spec says. */
    end() {
      const out = drain(true);
      buffer = "";
      data = [];
      return out;
    },
  };
}

/** The messages of a response body, as they complete; `onChunk` hears every chunk, comments included. */
export async function* messages(
  body: ReadableStream<Uint8Array>,
  onChunk?: () => void,
): AsyncGenerator<Message> {
  const p = parser();
  const decoder = new TextDecoder();
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    onChunk?.();
    yield* p.push(decoder.decode(chunk, { stream: true }));
  }
  yield* p.push(decoder.decode());
  yield* p.end();
}
