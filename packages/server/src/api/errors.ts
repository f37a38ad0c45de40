import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { AppError } from "../error.ts";
import type { Env } from "./deps.ts";

/** Every error leaves as { error: { code, message, details } }; only unknown errors are 500s. */
export function onError(err: Error, c: Context<Env>): Response {
  const known = toAppError(err);
  if (known) return c.json(known.toJSON(), known.status as 400);
  const refused = refusedValue(err);
  if (refused) {
    // A client's value, but one validation should have caught first: a bug to see in the log, not a 500.
    c.get("log")?.error({ err }, "the database refused a value that validation let through");
    return c.json(refused.toJSON(), refused.status as 422);
  }
  c.get("log")?.error({ err }, "unhandled error");
  return c.json(new AppError("internal", "internal error", { requestId: c.get("requestId") }).toJSON(), 500);
}

/**
 * PostgreSQL's errors about a value it cannot take (SQLSTATE class 22, and 54000 for a value too long to
 * index), by code. These come from what a client sent, so they are the client's 422, never a 500.
 */
const refusals: Record<string, string> = {
  "22P05": "a text value holds a character the database cannot store (NUL)",
  "22021": "a text value is not valid UTF-8",
  "22003": "a number is out of range",
  "22P02": "a value is not valid for its field",
  "22007": "a date or time is not valid",
  "22008": "a date or time is out of range",
  "22001": "a value is too long",
  "54000": "a value is too long to store",
};

/** The SQLSTATE of a database error, looking through the wrappers (Drizzle's query error) to its cause. */
export function sqlstate(err: unknown): string | undefined {
  for (let e = err, i = 0; e && typeof e === "object" && i < 5; e = (e as { cause?: unknown }).cause, i++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** A database refusal of a value as the client's error, or null for any other error. */
export function refusedValue(err: unknown): AppError | null {
  const code = sqlstate(err);
  const what = code && refusals[code];
  if (!what) return null;
  return new AppError("validation_failed", `request: ${what}`, {
    sqlstate: code,
    issues: [{ path: "request", message: what }],
  });
}

function toAppError(err: Error): AppError | null {
  if (err instanceof AppError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 400)
      return new AppError("malformed_json", `request body is not valid JSON: ${err.message}`, {
        path: ["body"],
      });
    if (err.status === 413) return new AppError("payload_too_large", err.message);
    return new AppError(
      err.status === 401 ? "unauthorized" : err.status === 404 ? "not_found" : "validation_failed",
      err.message,
    );
  }
  return null;
}

const where = { json: "body", query: "query", param: "params", header: "header" } as const;

/** zod issues → 422 naming each field path, e.g. "body.title: Too small". */
export function validation(target: string, error: ZodError): AppError {
  const prefix = where[target as keyof typeof where] ?? target;
  const issues = error.issues.map((i) => ({
    path: [prefix, ...i.path.map(String)].join("."),
    message: i.message,
    code: i.code,
  }));
  const message = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  return new AppError("validation_failed", message, { issues });
}
