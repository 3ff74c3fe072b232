// Admin API (DESIGN.md §4.4): accounts, spaces and keys, behind the ADMIN_TOKEN secret.
import { createRoute, z } from "@hono/zod-openapi";
import { directory } from "../../db/databases";
import { BadRequest, NotFound } from "../../errors";
import { createKey } from "../../keys/keys";
import { SPACE_CAP_MAX, SPACE_CAPS, type CappedResource } from "../../tenancy/caps";
import { InvalidCursor, reencryptSecrets, REENCRYPT_PAGE } from "../../tenancy/reencrypt";
import { createAccount, createSpace, getAccount, patchAccount } from "../../tenancy/service";
import { requireAdmin } from "../auth";
import { router } from "../context";
import { body, json, problemResponses } from "../schemas";
import { NewKey } from "./keys";

const security = [{ adminToken: [] }];

export const AccountSettingsInput = z.object({
  freeSeconds: z.number().int().min(0).optional(),
  payAsYouGo: z.boolean().optional(),
  parallelLimit: z.number().int().min(1).max(10_000).optional(),
  pricePerSecond: z.number().min(0).optional(),
  retentionDays: z.number().int().min(1).max(3650).nullable().optional().openapi({
    description: "Days a finished job of the account is kept (1–3650); null or absent: the deployment's JOB_RETENTION_DAYS (30 unless set)",
  }),
  spaceCaps: z
    .object(
      Object.fromEntries(
        (Object.keys(SPACE_CAP_MAX) as CappedResource[]).map((resource) => [resource, z.number().int().min(1).max(SPACE_CAP_MAX[resource]).optional()]),
      ) as Record<CappedResource, z.ZodOptional<z.ZodNumber>>,
    )
    .strict()
    .nullable()
    .optional()
    .openapi({
      description: `What each space of the account may hold where it differs from the defaults (${Object.entries(SPACE_CAPS).map(([resource, cap]) => `${resource} ${cap}`).join(", ")}); at most ${Object.entries(SPACE_CAP_MAX).map(([resource, cap]) => `${resource} ${cap}`).join(", ")}. A PATCH merges the named ones into the account's; null puts back every default. A lower cap refuses creates only: nothing is removed`,
    }),
});
export const NewAccount = AccountSettingsInput.extend({ name: z.string().min(1).max(200) }).openapi("NewAccount");
export type NewAccount = z.infer<typeof NewAccount>;
export const AccountPatch = AccountSettingsInput.extend({
  name: z.string().min(1).max(200).optional(),
  disabled: z.boolean().optional().openapi({
    description:
      "true: new triggers are refused (403 account-disabled), waiting jobs end CANCELED / JOB_SYSTEM_CANCELED and running jobs are canceled; false lets triggers in again",
  }),
}).openapi("AccountPatch");

export const Account = z
  .object({
    id: z.string(),
    name: z.string(),
    freeSeconds: z.number(),
    payAsYouGo: z.boolean(),
    parallelLimit: z.number(),
    pricePerSecond: z.number(),
    disabled: z.boolean(),
    retentionDays: z.number().nullable().openapi({ description: "null: the deployment's JOB_RETENTION_DAYS" }),
    spaceCaps: z
      .object(Object.fromEntries(Object.keys(SPACE_CAPS).map((resource) => [resource, z.number()])) as Record<CappedResource, z.ZodNumber>)
      .openapi({ description: "What each space of the account holds at most (the defaults where not given)" }),
    createdAt: z.string(),
  })
  .openapi("Account");

const Space = z.object({ id: z.string(), accountId: z.string(), name: z.string(), createdAt: z.string() }).openapi("Space");
export const CreatedKey = z
  .object({
    id: z.string(),
    key: z.string().openapi({ description: "Shown only in this response" }),
    kind: z.enum(["solver", "management"]),
    name: z.string(),
    spaceId: z.string(),
    accountId: z.string(),
    createdAt: z.number(),
  })
  .openapi("CreatedKey");

const pathId = (name: string) => z.string().openapi({ param: { name, in: "path" } });

export const adminApi = router();
adminApi.use("/api/admin/*", requireAdmin);

adminApi.openapi(
  createRoute({
    method: "post",
    path: "/api/admin/accounts",
    tags: ["Admin"],
    security,
    request: { body: body(NewAccount) },
    responses: { 201: json(Account, "Account created"), ...problemResponses(401, 422) },
  }),
  async (c) => c.json(await createAccount(c.env, c.req.valid("json")), 201),
);

adminApi.openapi(
  createRoute({
    method: "get",
    path: "/api/admin/accounts/{accountId}",
    summary: "An account with its limits and retention",
    tags: ["Admin"],
    security,
    request: { params: z.object({ accountId: pathId("accountId") }) },
    responses: { 200: json(Account, "The account"), ...problemResponses(401, 404) },
  }),
  async (c) => c.json(await getAccount(c.env, c.req.valid("param").accountId), 200),
);

adminApi.openapi(
  createRoute({
    method: "patch",
    path: "/api/admin/accounts/{accountId}",
    tags: ["Admin"],
    security,
    request: { params: z.object({ accountId: pathId("accountId") }), body: body(AccountPatch) },
    responses: { 200: json(Account, "Account updated"), ...problemResponses(401, 404, 422) },
  }),
  async (c) => c.json(await patchAccount(c.env, c.req.valid("param").accountId, c.req.valid("json")), 200),
);

adminApi.openapi(
  createRoute({
    method: "post",
    path: "/api/admin/accounts/{accountId}/spaces",
    tags: ["Admin"],
    security,
    request: {
      params: z.object({ accountId: pathId("accountId") }),
      body: body(z.object({ name: z.string().min(1).max(200) }).openapi("NewSpace")),
    },
    responses: { 201: json(Space, "Space created"), ...problemResponses(401, 404, 422) },
  }),
  async (c) =>
    c.json(await createSpace(directory(c.env).orm(), c.req.valid("param").accountId, c.req.valid("json").name), 201),
);

adminApi.openapi(
  createRoute({
    method: "post",
    path: "/api/admin/spaces/{spaceId}/keys",
    tags: ["Admin"],
    security,
    request: { params: z.object({ spaceId: pathId("spaceId") }), body: body(NewKey) },
    responses: { 201: json(CreatedKey, "Key created; the key is shown only now"), ...problemResponses(401, 404, 422) },
  }),
  async (c) => {
    const { spaceId } = c.req.valid("param");
    const { kind, name } = c.req.valid("json");
    const created = await createKey(directory(c.env).orm(), spaceId, kind, name);
    if (!created) throw new NotFound("space", spaceId);
    return c.json(created, 201);
  },
);

const ReencryptRequest = z
  .object({
    after: z.string().max(200).nullable().openapi({ description: "The `next` of the previous call; null for the first" }),
    limit: z.number().int().min(1).max(500).optional().openapi({ description: `Secrets this call reads (default ${REENCRYPT_PAGE})` }),
  })
  // Every field is optional: an unknown one is a mistake to answer, not to ignore.
  .strict()
  .openapi("ReencryptRequest");

const ReencryptReport = z
  .object({
    reencrypted: z.number().int().openapi({ description: "Opened under WEBHOOK_SECRET_KEY_PREVIOUS and encrypted again under WEBHOOK_SECRET_KEY" }),
    alreadyCurrent: z.number().int().openapi({ description: "Already under WEBHOOK_SECRET_KEY" }),
    unreadable: z
      .array(z.object({ kind: z.enum(["webhook", "connector"]), id: z.string(), spaceId: z.string() }))
      .openapi({ description: "Under neither key: the space must save them again" }),
    next: z.string().nullable().openapi({ description: "Pass as `after` to go on; null when every secret was visited" }),
  })
  .openapi("ReencryptReport");

adminApi.openapi(
  createRoute({
    method: "post",
    path: "/api/admin/secrets/reencrypt",
    summary: "Move the secrets at rest onto a rotated WEBHOOK_SECRET_KEY",
    description:
      "One page of a walk over every webhook signing secret and connector secret: one that opens only under WEBHOOK_SECRET_KEY_PREVIOUS is encrypted again under WEBHOOK_SECRET_KEY. Call again with `after: next` until `next` is null; then the previous key can be deleted. No secret is answered.",
    tags: ["Admin"],
    security,
    request: { body: body(ReencryptRequest) },
    responses: { 200: json(ReencryptReport, "What this page found and did"), ...problemResponses(400, 401, 422, 503) },
  }),
  async (c) => {
    const { after, limit } = c.req.valid("json");
    try {
      return c.json(await reencryptSecrets(c.env, after, limit), 200);
    } catch (error) {
      if (!(error instanceof InvalidCursor)) throw error;
      throw new BadRequest("invalid-cursor", "Invalid cursor", `'after' must be the 'next' of a previous call, not '${after}'.`);
    }
  },
);
