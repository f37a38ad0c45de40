import { useAuth } from "../../app/auth.tsx";

/**
 * Who did something, in words, from the `by` the server records: `key:<id>` for an API key, `dev` on a
 * server without keys, `policy` for an approval's timeout. The signed-in key is "you".
 */
export function who(by: string, me: { keyId: string | null; keyName: string | null }): string {
  if (by === "policy") return "the timeout policy";
  if (by === "dev") return "a person (the server runs without keys)";
  if (!by.startsWith("key:")) return by;
  const id = by.slice(4);
  if (id === me.keyId) return me.keyName ? `you (key “${me.keyName}”)` : "you";
  return `key ${id.slice(0, 8)}`;
}

export function useWho(): (by: string) => string {
  const { me } = useAuth();
  return (by) => who(by, me);
}
