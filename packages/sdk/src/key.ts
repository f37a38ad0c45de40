import { z } from "zod";

export const Role = z.enum(["admin", "member", "viewer"]).meta({ id: "Role" });
export type Role = z.infer<typeof Role>;

export const CreateKey = z
  .object({ name: z.string().trim().min(1).max(100), role: Role.default("member") })
  .strict()
  .meta({ id: "CreateKey" });

export const Key = z
  .object({
    id: z.uuid(),
    name: z.string(),
    role: Role,
    prefix: z.string().describe("public part of the key, for telling keys apart"),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: "ApiKey" });
export type Key = z.infer<typeof Key>;

export const NewKey = Key.extend({
  key: z.string().describe("the secret key: shown only in this answer"),
}).meta({ id: "NewApiKey" });

/** GET /api/v1/me: who the presented key is. `auth: "off"` when the server runs without keys (dev mode). */
export const Me = z
  .object({
    tenantId: z.uuid(),
    role: Role,
    keyId: z.uuid().nullable(),
    keyName: z.string().nullable(),
    auth: z.enum(["key", "off"]),
    repoRoots: z
      .array(z.string())
      .describe(
        "the tenant's repository roots, set by the server's operator: projects and workspaces must lie under one",
      ),
  })
  .meta({ id: "Me" });
export type Me = z.infer<typeof Me>;

/** `GET /health/live`, which needs no key: the server is up, and whether it asks for keys at all. */
export const Live = z.object({ status: z.literal("ok"), auth: Me.shape.auth }).meta({ id: "Live" });
export type Live = z.infer<typeof Live>;
