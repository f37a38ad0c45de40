import { ApiError } from "@orchestrator/sdk";

/** A server error as the server said it: its code, its message, and the fields it names. */
export function Problem({ error, title }: { error: unknown; title?: string }) {
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  const issues = fieldIssues(error);
  return (
    <div className="error-box" role="alert">
      <b>{title ?? (e ? `${e.code.toUpperCase()} (${e.status})` : "ERROR")}</b>
      <div>{error instanceof Error ? error.message : String(error)}</div>
      {issues.length > 0 && (
        <ul>
          {issues.map((i) => (
            <li key={i.path}>
              <code>{i.path}</code>: {i.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The `details.issues` of a validation error, keyed by path (`body.prompt`, `query.limit` …). */
export function fieldIssues(error: unknown): { path: string; message: string }[] {
  if (!(error instanceof ApiError)) return [];
  const d = error.details as { issues?: { path: string; message: string }[] } | undefined;
  return Array.isArray(d?.issues) ? d.issues : [];
}

/** The message the server gave for one field of the body, if it named it. */
export function issueFor(error: unknown, field: string): string | undefined {
  return fieldIssues(error).find(
    (i) => i.path === `body.${field}` || i.path === field || i.path.startsWith(`body.${field}.`),
  )?.message;
}
