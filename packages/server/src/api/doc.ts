import type { z } from "@hono/zod-openapi";
import { ErrorBody } from "@orchestrator/sdk";

/** A JSON response or request body for route definitions. */
export const json = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema } },
  description,
});

export const body = <T extends z.ZodType>(schema: T) => ({
  body: { content: { "application/json": { schema } }, required: true },
});

/** The error answers most routes can give, all in the one error shape. */
export const errors = {
  401: json(ErrorBody, "missing or invalid API key"),
  403: json(ErrorBody, "the key's role does not allow this"),
  404: json(ErrorBody, "not found"),
  409: json(ErrorBody, "not allowed in the current state; details say what is"),
  422: json(ErrorBody, "invalid input; details.issues names each field"),
};
