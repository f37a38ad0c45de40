import { ApiError, type Client, createClient } from "@orchestrator/sdk";
import { type ReactNode, createContext, useCallback, useContext, useMemo, useState } from "react";
import { Button } from "../ui/button.tsx";
import { Field } from "../ui/field.tsx";
import { Problem } from "../ui/problem.tsx";
import { primed } from "./early.ts";

/**
 * Sign-in with an API key. The key is kept in this browser's localStorage and sent as a Bearer header (on
 * a WebSocket, which cannot carry headers, as a subprotocol: never in a URL). Signing out forgets it.
 */
type Me = Awaited<ReturnType<Client["me"]>>;
interface Auth {
  client: Client;
  key: string | undefined;
  me: Me;
  signOut(): void;
}

const Ctx = createContext<Auth | null>(null);
// index.html's inline script reads it too.
const storeKey = "orchestrator.key";
/** The key this browser signed in with last, if any. */
const storedKey = () => localStorage.getItem(storeKey) ?? undefined;
/** An SDK client of this server with `key`; it takes the answers index.html asked for early (early.ts). */
export const connect = (key: string | undefined) =>
  createClient({ url: window.location.origin, key, fetch: primed(key) });

export function useAuth(): Auth {
  const a = useContext(Ctx);
  if (!a) throw new Error("useAuth outside <AuthGate>");
  return a;
}

interface State {
  key?: string;
  me?: Me;
  checking: boolean;
  error?: unknown;
}

/**
 * The stored key's check, which main.tsx awaits before its first render: the first render is then the
 * signed-in app (or the form), not a sign-in form that vanishes a moment later.
 * A server running without auth (development) lets us in without a key.
 */
export async function resume(): Promise<State> {
  const key = storedKey();
  try {
    // Without a key only a server that asks for none (development) lets us in, and /health/live says
    // whether it is one: asking /me would have the browser log a 401 on every first visit.
    if (!key && (await connect(key).live()).auth !== "off") return { checking: false };
    return { key, me: await connect(key).me(), checking: false };
  } catch (error) {
    // A stored key that stopped working, or none at all, lands on the form without an error; a server
    // that could not be reached says so there, and the key is kept for when it is back.
    const refused = error instanceof ApiError && error.status === 401;
    if (refused) localStorage.removeItem(storeKey);
    return { checking: false, error: refused ? undefined : error };
  }
}

export function AuthGate({ initial, children }: { initial: State; children: ReactNode }) {
  const [state, setState] = useState<State>(initial);

  const check = useCallback(async (key: string) => {
    setState((s) => ({ ...s, checking: true, error: undefined }));
    try {
      const me = await connect(key).me();
      localStorage.setItem(storeKey, key);
      setState({ key, me, checking: false });
    } catch (error) {
      setState({ checking: false, error });
    }
  }, []);

  const signOut = useCallback(() => {
    localStorage.removeItem(storeKey);
    setState({ checking: false });
  }, []);

  const { key, me } = state;
  const value = useMemo<Auth | null>(
    () => (me ? { client: connect(key), key, me, signOut } : null),
    [key, me, signOut],
  );
  if (value) return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
  return <SignIn busy={state.checking} error={state.error} onKey={(k) => void check(k)} />;
}

function SignIn({ busy, error, onKey }: { busy: boolean; error: unknown; onKey: (key: string) => void }) {
  const [key, setKey] = useState("");
  return (
    <main className="signin">
      <form
        className="card"
        style={{ maxWidth: 520, margin: "12vh auto", padding: 0 }}
        onSubmit={(e) => {
          e.preventDefault();
          if (key.trim()) onKey(key.trim());
        }}
      >
        <header style={{ padding: "14px 16px", borderBottom: "2px solid var(--border)" }}>
          <div className="brand" style={{ padding: 0, border: 0 }}>
            <b>INDUSTRIAL</b>ORCHESTRATOR
          </div>
        </header>
        <div className="body stack">
          <h1>Control Room sign-in</h1>
          <p className="muted" style={{ margin: 0 }}>
            Use an API key. The server prints an admin key the first time it starts; an admin key makes more
            with <code>POST /api/v1/keys</code>.
          </p>
          <Field label="API key">
            <input
              type="password"
              autoComplete="off"
              autoFocus
              value={key}
              onChange={(e) => setKey(e.target.value)}
              placeholder="io_…"
            />
          </Field>
          {error ? <Problem error={error} /> : null}
          <div className="row">
            <Button variant="primary" type="submit" disabled={busy || !key.trim()}>
              {busy ? "Checking…" : "Sign in"}
            </Button>
          </div>
        </div>
      </form>
    </main>
  );
}
