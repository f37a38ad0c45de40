import type { Landing } from "@orchestrator/sdk";

/** A landing (session.landing, plan.landing) in words, with the tone it is shown in. Pure. */
export function landingWords(d: Landing): { tone: "done" | "bad"; text: string } {
  const done = (text: string) => ({ tone: "done" as const, text });
  const bad = (text: string) => ({ tone: "bad" as const, text });
  const no = d.outcome === "refused" || d.outcome === "failed";
  if (d.how === "push")
    return no
      ? bad(`push ${d.outcome}: ${d.message ?? d.reason ?? ""}`)
      : done(
          `${d.outcome === "already" ? "the remote already had" : "pushed"} ${d.branch} to ${d.remote ?? "the remote"}`,
        );
  if (d.how === "pr")
    return no
      ? bad(`no pull request: ${d.message ?? d.reason ?? ""}`)
      : done(`pull request #${String(d.number ?? "")} for ${d.base ?? "the base"}: ${d.url ?? ""}`);
  if (no) return bad(`merge refused: ${d.message ?? d.reason ?? ""}`);
  return done(
    d.outcome === "already"
      ? `${d.base ?? "the base"} already held ${d.branch}: nothing merged`
      : `merged into ${d.base ?? "the base"} (${d.fastForward ? "fast-forward" : "merge commit"}) at ${(d.commit ?? "").slice(0, 10)}`,
  );
}
