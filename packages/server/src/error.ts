/**
 * The few named errors of the server. Each carries a code; `status` maps codes to HTTP in one table.
 * The JSON body is always { error: { code, message, details } }.
 */
export const status = {
  malformed_json: 400,
  validation_failed: 422,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  invalid_transition: 409,
  conflict: 409,
  /** A write's precondition (If-Match, a patch's `test`) does not hold: the details say where. */
  precondition_failed: 412,
  /** A write that could lose someone's update was sent without a precondition. */
  precondition_required: 428,
  payload_too_large: 413,
  rate_limited: 429,
  unavailable: 503,
  /** A git remote or a forge's API refused or failed (details say which and why, never with credentials). */
  upstream_failed: 502,
  not_implemented: 501,
  lease_lost: 409,
  internal: 500,
} as const;
export type Code = keyof typeof status;

export class AppError extends Error {
  readonly code: Code;
  readonly details: unknown;
  constructor(code: Code, message: string, details?: unknown) {
    super(message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }
  get status(): number {
    return status[this.code];
  }
  toJSON() {
    return { error: { code: this.code, message: this.message, details: this.details } };
  }
}

export const notFound = (what: string, id: string) =>
  new AppError("not_found", `${what} ${id} not found`, { id });

/** A runner's fenced write found a newer lease generation: someone else owns the session now. */
export const leaseLost = (id: string, fence: number) =>
  new AppError("lease_lost", `lease on session ${id} (fence ${fence}) is no longer held`, { id, fence });
