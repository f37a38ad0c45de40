import type { Status } from "@orchestrator/sdk";
import { label, live, tone } from "./status.ts";

export function StatusBadge({ status }: { status: Status }) {
  return (
    <span className={`badge tone-${tone[status]}`} data-status={status}>
      <span className={`dot${live.includes(status) ? " pulse" : ""}`} aria-hidden="true" />
      {label(status)}
    </span>
  );
}
