/**
 * The answers index.html's inline script asked for before the app's code had arrived: the sign-in check
 * and, on a session link, the session and the first page of its log (paths as the SDK writes them). The
 * server is idle while the browser evaluates the app, so they are usually waiting when it asks.
 */
interface Early {
  key: string | undefined;
  answers: Map<string, Promise<Response>>;
}
const early = (window as unknown as { early?: Early }).early;

/**
 * `fetch`, except that a GET index.html already sent with the same key is answered, once, by that
 * request instead of a second one. Anything else, or the same path asked again, goes to the network.
 */
export function primed(key: string | undefined): typeof fetch {
  return (input, init) => {
    const url = typeof input === "string" ? input : "";
    const path = url.startsWith(location.origin) ? url.slice(location.origin.length) : "";
    const ours = early?.key === key && (init?.method ?? "GET") === "GET";
    const res = ours ? early?.answers.get(path) : undefined;
    if (!res || !early) return fetch(input, init);
    early.answers.delete(path);
    return res;
  };
}

/** After the first render: an answer nobody took by then would only be stale later. */
export const forgetEarly = () => early?.answers.clear();
