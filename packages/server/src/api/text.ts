import type { Context, MiddlewareHandler } from "hono";
import { matchedRoutes } from "hono/route";
import { type TextIssue, textFlaw, unstorable } from "@orchestrator/sdk";
import { AppError } from "../error.ts";
import type { Env } from "./deps.ts";
import { rpcPath } from "../agent/a2a/card.ts";

/**
 * Every string a request carries — each path segment, query name and value, and every string and key
 * anywhere in a JSON body — is checked once here against the SDK's rule of storable text (no NUL, no lone
 * surrogate), before any route validates or stores it. One place, so a route, a schema or a JSON field
 * added later (metadata, agent cards, EAP payloads, A2A messages) is covered without thinking of it.
 * The answer is a 422 naming the field: `params.name`, `query.q`, `body.metadata.k`.
 */
export const refuseUnstorable: MiddlewareHandler<Env> = async (c, next) => {
  const url = new URL(c.req.url);
  const issue = inPath(c, url.pathname) ?? inQuery(url.searchParams) ?? (await inBody(c));
  if (issue) {
    const path = issue.path.join(".");
    throw new AppError("validation_failed", `${path}: ${issue.message}`, {
      issues: [{ path, message: issue.message }],
    });
  }
  return next();
};

/** A path segment, named after the matched route's parameter where there is one. */
function inPath(c: Context<Env>, pathname: string): TextIssue | null {
  const segments = pathname.split("/");
  // The route that answers: the first matched that is neither middleware nor the dashboard's catch-all.
  const route =
    matchedRoutes(c)
      .find((r) => r.method !== "ALL" && r.path !== "*")
      ?.path.split("/") ?? [];
  for (const [i, raw] of segments.entries()) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      continue; // a malformed escape stays as its storable text: routes see it undecoded
    }
    const flaw = textFlaw(segment);
    if (!flaw) continue;
    const param = route[i]?.startsWith(":") ? route[i]!.slice(1).replace(/\{.*$/, "") : null;
    return { path: [param ? `params.${param}` : "path"], message: flaw };
  }
  return null;
}

function inQuery(params: URLSearchParams): TextIssue | null {
  for (const [name, value] of params) {
    const nameFlaw = textFlaw(name);
    if (nameFlaw) return { path: ["query"], message: `a parameter's name ${nameFlaw}` };
    const flaw = textFlaw(value);
    if (flaw) return { path: [`query.${name}`], message: flaw };
  }
  return null;
}

/** A JSON body is read (and kept: routes read it again from Hono's cache); one that does not parse is the route's to refuse. */
async function inBody(c: Context<Env>): Promise<TextIssue | null> {
  if (!["POST", "PUT", "PATCH", "DELETE"].includes(c.req.method)) return null;
  // A2A speaks JSON-RPC: its route applies the same rule and answers with a JSON-RPC error.
  if (c.req.path === rpcPath) return null;
  if (!/^application\/(.+\+)?json\b/i.test(c.req.header("content-type") ?? "")) return null;
  const text = await c.req.text();
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const issue = unstorable(value);
  return issue && { path: ["body", ...issue.path], message: issue.message };
}
