// Keys API (DESIGN.md §4.3): the space's solver and management keys — list, create (the key is
// shown only then), delete (refused everywhere within the key cache's 10 s).
import { createRoute, z } from "@hono/zod-openapi";
import { directory } from "../../db/databases";
import { createSpaceKey, deleteKey, listKeys } from "../../keys/keys";
import { requireKey } from "../auth";
import { router } from "../context";
import { body, json, problemResponses } from "../schemas";

const security = [{ bearer: [] }];
const KEY_KINDS = ["solver", "management"] as const;

export const NewKey = z.object({ kind: z.enum(KEY_KINDS), name: z.string().min(1).max(100) }).openapi("NewKey");
export type NewKey = z.infer<typeof NewKey>;

// A shape spread into both (not .extend()), so the OpenAPI document describes each one flat.
const keyShape = {
  id: z.string(),
  name: z.string(),
  kind: z.enum(KEY_KINDS),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().openapi({ description: "The last answered (not refused) request, to about a minute" }),
};

export const ApiKey = z.object(keyShape).openapi("ApiKey");
export type ApiKey = z.infer<typeof ApiKey>;

export const CreatedApiKey = z
  .object({ ...keyShape, key: z.string().openapi({ description: "fjk_…, shown only in this response" }) })
  .openapi("CreatedApiKey");
export type CreatedApiKey = z.infer<typeof CreatedApiKey>;

export const keysApi = router();
keysApi.use("/api/keys", requireKey("management"));
keysApi.use("/api/keys/*", requireKey("management"));

keysApi.openapi(
  createRoute({
    method: "get",
    path: "/api/keys",
    summary: "List the space's keys (never a secret)",
    tags: ["Keys"],
    security,
    responses: { 200: json(z.object({ items: z.array(ApiKey) }), "The space's keys, oldest first"), ...problemResponses(401, 403) },
  }),
  async (c) => c.json({ items: await listKeys(directory(c.env).orm(), c.var.caller.spaceId) }, 200),
);

keysApi.openapi(
  createRoute({
    method: "post",
    path: "/api/keys",
    summary: "Create a key; the key is shown only in this answer",
    tags: ["Keys"],
    security,
    request: { body: body(NewKey) },
    responses: { 201: json(CreatedApiKey, "Key created; the key is shown only now"), ...problemResponses(401, 403, 422) },
  }),
  async (c) => {
    const { kind, name } = c.req.valid("json");
    return c.json(await createSpaceKey(directory(c.env).orm(), c.var.caller.spaceId, kind, name), 201);
  },
);

keysApi.openapi(
  createRoute({
    method: "delete",
    path: "/api/keys/{id}",
    summary: "Delete a key (it may be the calling key); refused everywhere within 10 s",
    tags: ["Keys"],
    security,
    request: { params: z.object({ id: z.string().openapi({ param: { name: "id", in: "path" } }) }) },
    responses: { 204: { description: "Key deleted" }, ...problemResponses(401, 403, 404) },
  }),
  async (c) => {
    await deleteKey(directory(c.env).orm(), c.var.caller.spaceId, c.req.valid("param").id);
    return c.body(null, 204);
  },
);
