// Admin API (DESIGN.md §4.4): accounts, spaces and keys, behind the ADMIN_TOKEN secret.
import { createRoute, z } from "@hono/zod-openapi";
import { directory } from "../../db/databases";
import { NotFound } from "../../errors";
import { createKey } from "../../keys/keys";
import { createAccount, createSpace, patchAccount } from "../../tenancy/service";
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
