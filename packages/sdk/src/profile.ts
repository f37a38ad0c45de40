import { z } from "zod";

/** An OpenCode agent profile as the API shows it (provider keys never appear). */
export const Profile = z
  .object({
    name: z.string(),
    label: z.string(),
    model: z.string().describe("provider/model"),
    agent: z.enum(["build", "plan"]).describe("the OpenCode agent"),
    autonomous: z.boolean().describe("false when some tool use waits for a person's approval"),
    capabilities: z.array(z.string()),
    available: z.boolean().describe("false when its provider has no key configured"),
    reason: z.string().optional().describe("why it is not available"),
  })
  .meta({ id: "Profile" });
export type Profile = z.infer<typeof Profile>;
