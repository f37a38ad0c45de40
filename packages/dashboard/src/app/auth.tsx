import { ApiError, type Client, createClient } from "@orchestrator/sdk";
import { type ReactNode, createContext, useCallback, useContext, useEffect, useMemo, useState } from "react";
import { Button } from "../ui/button.tsx";
import { Field } from "../ui/field.tsx";
import { Problem } from "../ui/problem.tsx";

/**
 * Sign-in with an API key. The key is kept in this browser's localStorage and sent as a Bearer header
 * (and as ?access_token= on WebSockets, which cannot carry headers). Signing out forgets it.
 */
type Me = Awaited<ReturnType<Client["me"]>>;
interface Auth {
  client: Client;
  key: string | undefined;
  me: Me;
  signOut(): void;
}

const storeKey = "orchestrator.key";
const Ctx = createContext<Auth | null>(null);
const base = () => window.location.origin;

export function useAuth(): Auth {
  const a = useContext(Ctx);
  if (!a) throw new Error("useAuth outside <AuthGate>");
  return a;
}

export function AuthGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<{ key?: string; me?: Me; checking: boolean; error?: unknown }>({
    checking: true,
  });

  const check = useCallback(async (key: string | undefined, remember: boolean) => {
    setState((s) => ({ ...s, checking: true, error: undefined }));
    try {
      const me = await createClient({ url: base(), key }).me();
      if (remember && key) localStorage.setItem(storeKey, key);
      setState({ key, me, checking: false });
    } catch (error) {
      if (!remember) localStorage.removeItem(storeKey);
      // A stored key that stopped working, or none at all, lands on the sign-in form without an error.
      const quiet = !remember && error instanceof ApiError && error.status === 401;
      setState({ checking: false, error: quiet ? undefined : error });
    }
  }, []);

  // A stored key is tried first; a server running without auth (development) lets us in without one.
  useEffect(() => {
    void check(localStorage.getItem(storeKey) ?? undefined, false);
  }, [check]);

  const signOut = useCallback(() => {
    localStorage.removeItem(storeKey);
    setState({ checking: false });
  }, []);

  const { key, me } = state;
  const value = useMemo<Auth | null>(
    () => (me ? { client: createClient({ url: base(), key }), key, me, signOut } : null),
    [key, me, signOut],
  );
  if (value) return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
  return <SignIn busy={state.checking} error={state.error} onKey={(k) => void check(k, true)} />;
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
