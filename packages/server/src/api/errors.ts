import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ZodError } from "zod";
import { AppError } from "../error.ts";
import type { Env } from "./deps.ts";

/** Every error leaves as { error: { code, message, details } }; only unknown errors are 500s. */
export function onError(err: Error, c: Context<Env>): Response {
  const known = toAppError(err);
  if (known) return c.json(known.toJSON(), known.status as 400);
  c.get("log")?.error({ err }, "unhandled error");
  return c.json(new AppError("internal", "internal error", { requestId: c.get("requestId") }).toJSON(), 500);
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
