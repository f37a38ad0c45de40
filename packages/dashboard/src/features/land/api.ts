import { useAuth } from "../../app/auth.tsx";

/** What lands: a finished session's branch or a finished plan's integration branch. */
export interface Target {
  kind: "session" | "plan";
  id: string;
  branch: string;
  /** The base branch it merges into, when known. */
  base: string | null;
  projectId: string | null;
}

/** The client's landing calls for a target's kind: sessions and plans have the same four. */
export function useLands(kind: Target["kind"]) {
  const { client } = useAuth();
  return kind === "session" ? client.sessions : client.plans;
}
