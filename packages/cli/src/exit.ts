/**
 * Exit codes, one table (documented in docs/cli.md). Scripts branch on these, so they are part of the
 * CLI's interface: never renumber, only add.
 */
export const code = {
  ok: 0,
  error: 1,
  usage: 2,
  notFound: 3,
  conflict: 4,
  unreachable: 5,
  unauthorized: 6,
  /** `events --follow` and `run`: the session ended, but not as `completed`. */
  unsuccessful: 7,
  interrupted: 130,
} as const;

/** A mistake in how the command was called, found before asking the server. */
export class Usage extends Error {
  override name = "Usage";
}

/** Map a server error code (ApiError or the server's own AppError, which share the codes) to an exit code. */
export function forCode(errorCode: string): number {
  switch (errorCode) {
    case "validation_failed":
    case "malformed_json":
    case "payload_too_large":
      return code.usage;
    case "not_found":
      return code.notFound;
    case "invalid_transition":
    case "conflict":
    case "lease_lost":
    case "precondition_failed":
    case "precondition_required":
      return code.conflict;
    case "unreachable":
      return code.unreachable;
    case "unauthorized":
    case "forbidden":
      return code.unauthorized;
    default:
      return code.error;
  }
}

export function forError(err: unknown): number {
  if (err instanceof Usage) return code.usage;
  const c = (err as { code?: unknown } | null)?.code;
  return typeof c === "string" ? forCode(c) : code.error;
}
