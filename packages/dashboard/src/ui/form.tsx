import type { FormEvent, ReactNode } from "react";
import { issueFor } from "./problem.tsx";

/** A form the browser does not validate (our schemas do), that never navigates. */
export function Form({ id, onSubmit, children }: { id?: string; onSubmit: () => void; children: ReactNode }) {
  return (
    <form
      id={id}
      className="stack"
      style={{ gap: 12 }}
      noValidate
      onSubmit={(e: FormEvent) => {
        e.preventDefault();
        onSubmit();
      }}
    >
      {children}
    </form>
  );
}

type Checked =
  { success: true } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };

/**
 * A form's errors: for a field, what the server said about it, else what the SDK's schema says once the
 * person has tried to submit (`shown`); `general` is a server error that names none of the form's fields.
 */
export function formErrors(server: unknown, local: Checked, shown: (field: string) => boolean) {
  const at = (field: string) =>
    issueFor(server, field) ??
    (shown(field) && !local.success
      ? local.error.issues.find((i) => i.path[0] === field)?.message
      : undefined);
  const general = (fields: string[]) => (server && !fields.some((f) => issueFor(server, f)) ? server : null);
  return { at, general };
}
