import { useAuth } from "../../app/auth.tsx";

/** The Plans API: the SDK client's `plans`, with the signed-in key. */
export type PlanAction = "start" | "cancel" | "pause" | "resume";
export type TaskAction = "retry" | "skip";

export function usePlans() {
  return useAuth().client.plans;
}
