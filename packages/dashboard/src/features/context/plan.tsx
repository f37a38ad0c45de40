import { Card } from "../../ui/card.tsx";
import { Problem } from "../../ui/problem.tsx";
import { useDocuments } from "./api.ts";
import { ContextPanel } from "./panel.tsx";
import { ContextEmpty } from "./session.tsx";

/**
 * A plan's shared document, `main`: the orchestrator writes each ended task's result under
 * `/tasks/<key>`, and the plan's agents write what they found beside them (through MCP).
 */
export function PlanContext({ planId }: { planId: string }) {
  const q = useDocuments({ scope: "plan", ownerId: planId, name: "main" });
  if (q.error) return <Problem error={q.error} title="Could not read the plan's context" />;
  if (!q.data) return null;
  const main = q.data[0];
  if (!main)
    return (
      <Card title="Plan context" id="context">
        <ContextEmpty>
          No shared context yet. The plan&apos;s shared document appears when its first task ends: the result
          of each task is written under <code>/tasks/&lt;key&gt;</code>, where the tasks after it read it, and
          the plan&apos;s agents write their decisions and findings beside them. Every change is kept, with
          who made it.
        </ContextEmpty>
      </Card>
    );
  return <ContextPanel id={main.id} title={`Plan context · ${main.name}`} />;
}
