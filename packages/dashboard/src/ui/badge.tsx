import type { Status } from "@orchestrator/sdk";
import { label, live, tone, type Tone } from "./status.ts";

export function StatusBadge({ status }: { status: Status }) {
  return (
    <span className={`badge tone-${tone[status]}`} data-status={status}>
      <span className={`dot${live.includes(status) ? " pulse" : ""}`} aria-hidden="true" />
      {label(status)}
    </span>
  );
}

export function Badge({ tone: t = "idle", children }: { tone?: Tone; children: React.ReactNode }) {
  return <span className={`badge tone-${t}`}>{children}</span>;
}
