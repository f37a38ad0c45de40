import * as grpc from "@grpc/grpc-js";
import type { z } from "zod";
import type { Deps } from "../../../api/deps.ts";
import { unstorable } from "@orchestrator/sdk";
import { refusedValue, validation } from "../../../api/errors.ts";
import { AppError, type Code } from "../../../error.ts";
import * as Registry from "../../../registry/store.ts";

const codes: Record<Code, grpc.status> = {
  malformed_json: grpc.status.INVALID_ARGUMENT,
  validation_failed: grpc.status.INVALID_ARGUMENT,
  unauthorized: grpc.status.UNAUTHENTICATED,
  forbidden: grpc.status.PERMISSION_DENIED,
  not_found: grpc.status.NOT_FOUND,
  invalid_transition: grpc.status.FAILED_PRECONDITION,
  conflict: grpc.status.ALREADY_EXISTS,
  precondition_failed: grpc.status.FAILED_PRECONDITION,
  precondition_required: grpc.status.FAILED_PRECONDITION,
  payload_too_large: grpc.status.RESOURCE_EXHAUSTED,
  rate_limited: grpc.status.RESOURCE_EXHAUSTED,
  unavailable: grpc.status.UNAVAILABLE,
  upstream_failed: grpc.status.UNAVAILABLE,
  not_implemented: grpc.status.UNIMPLEMENTED,
  lease_lost: grpc.status.ABORTED,
  internal: grpc.status.INTERNAL,
};

/** An error as a gRPC status; the server's own code rides in the `x-error-code` trailer. */
export function toStatus(err: unknown, deps: Deps): Partial<grpc.StatusObject> {
  // A value the database refused is the agent's mistake (as over REST), logged as a gap in validation.
  const refused = err instanceof AppError ? null : refusedValue(err);
  if (refused) deps.log.error({ err }, "the database refused a value that validation let through");
  const known = err instanceof AppError ? err : refused;
  if (!known) deps.log.error({ err }, "unhandled gRPC error");
  const e = known ?? new AppError("internal", "internal error");
  const metadata = new grpc.Metadata();
  metadata.set("x-error-code", e.code);
  // What REST puts in error.details (a 412's conflicting paths and their values, a 422's fields), as
  // UTF-8 JSON when small. Binary (-bin) because a text value may carry only printable ASCII.
  const details = e.details === undefined ? "" : JSON.stringify(e.details);
  if (details && details.length <= 4096) metadata.set("x-error-details-bin", Buffer.from(details));
  return { code: codes[e.code], details: e.message, metadata };
}

/**
 * Validate a converted message with the same schema REST uses, and the same rule of storable text as
 * every REST request (api/text.ts); field paths are named after `what`.
 */
export function parse<S extends z.ZodType>(schema: S, what: string, value: unknown): z.output<S> {
  const bad = unstorable(value, [what]);
  if (bad) {
    const path = bad.path.join(".");
    throw new AppError("validation_failed", `${path}: ${bad.message}`, {
      issues: [{ path, message: bad.message }],
    });
  }
  const r = schema.safeParse(value);
  if (!r.success) throw validation(what, r.error);
  return r.data;
}

export const first = (md: grpc.Metadata, key: string) => {
  const v = md.get(key)[0];
  return typeof v === "string" ? v : undefined;
};

/** The agent a call speaks for, by `x-agent-id` and `x-agent-token`. */
export const agentOf = (deps: Deps, md: grpc.Metadata) =>
  Registry.authenticate(deps.db, first(md, "x-agent-id") ?? "", first(md, "x-agent-token"));
