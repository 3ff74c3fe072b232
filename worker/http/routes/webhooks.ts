// Webhooks API (DESIGN.md §4.3, §8): endpoints of the space, their deliveries, redelivery.
import { createRoute, z } from "@hono/zod-openapi";
import {
  createWebhook,
  deleteWebhook,
  listDeliveries,
  listWebhooks,
  MAX_PREVIOUS_SECRET_SECONDS,
  MAX_WEBHOOK_FLOWS,
  redeliver,
  rotateWebhookSecret,
  updateWebhook,
  WEBHOOK_EVENTS,
} from "../../webhooks/service";
import { requireKey } from "../auth";
import { router } from "../context";
import { body, json, problemResponses } from "../schemas";

const security = [{ bearer: [] }];
const pathId = (name: string) => z.string().min(1).max(64).openapi({ param: { name, in: "path" } });

export const NewWebhook = z
  .object({
    url: z.string().min(1).max(2048),
    events: z.array(z.enum(WEBHOOK_EVENTS)).min(1),
    // Every final state binds the space's endpoints, their flow lists included, as one D1 value.
    flows: z.array(z.string().min(1).max(64)).min(1).max(MAX_WEBHOOK_FLOWS).nullable().optional(),
    enabled: z.boolean().optional(),
  })
  .openapi("NewWebhook");
export type NewWebhook = z.infer<typeof NewWebhook>;
export const WebhookPatch = NewWebhook.partial().openapi("WebhookPatch");

export const Webhook = z
  .object({
    id: z.string(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    flows: z.array(z.string()).nullable(),
    enabled: z.boolean(),
    previousSecretUntil: z
      .string()
      .nullable()
      .openapi({ description: "Until when the signing secret replaced last also signs deliveries (POST /api/webhooks/{id}/secret with keepPreviousForSeconds); null when it no longer does" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Webhook");
const SecretRenewal = z
  .object({
    keepPreviousForSeconds: z
      .number()
      .int()
      .min(0)
      .max(MAX_PREVIOUS_SECRET_SECONDS)
      .optional()
      .openapi({ description: "How long the replaced secret also signs (a second v1 signature), at most 7 days; 0 or absent: it stops now" }),
  })
  .strict()
  .openapi("WebhookSecretRenewal");

const CreatedWebhook = Webhook.extend({ secret: z.string().openapi({ description: "whsec_…, shown only now" }) }).openapi(
  "CreatedWebhook",
);

export const Delivery = z
  .object({
    id: z.string(),
    webhookId: z.string(),
    jobId: z.string(),
    eventType: z.string(),
    status: z.enum(["pending", "succeeded", "failed", "dead-lettered"]).or(z.string()),
    series: z.number(),
    attempts: z.array(
      z.object({
        series: z.number(),
        attempt: z.number(),
        at: z.string(),
        statusCode: z.number().nullable(),
        durationMs: z.number(),
        error: z.string().nullable(),
        responseSnippet: z.string().nullable(),
      }),
    ),
    nextAttemptAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("WebhookDelivery");

export const webhooksApi = router();
webhooksApi.use("/api/webhooks", requireKey("management"));
webhooksApi.use("/api/webhooks/*", requireKey("management"));

webhooksApi.openapi(
  createRoute({
    method: "get",
    path: "/api/webhooks",
    tags: ["Webhooks"],
    security,
    responses: { 200: json(z.object({ items: z.array(Webhook) }), "The space's webhooks"), ...problemResponses(401) },
  }),
  async (c) => c.json({ items: await listWebhooks(c.env, c.var.caller.spaceId) }, 200),
);

webhooksApi.openapi(
  createRoute({
    method: "post",
    path: "/api/webhooks",
    tags: ["Webhooks"],
    security,
    request: { body: body(NewWebhook) },
    responses: { 201: json(CreatedWebhook, "Webhook created; the secret is shown only now"), ...problemResponses(401, 404, 422) },
  }),
  async (c) => c.json(await createWebhook(c.env, c.var.caller, c.req.valid("json")), 201),
);

webhooksApi.openapi(
  createRoute({
    method: "patch",
    path: "/api/webhooks/{id}",
    tags: ["Webhooks"],
    security,
    request: { params: z.object({ id: pathId("id") }), body: body(WebhookPatch) },
    responses: { 200: json(Webhook, "Webhook updated"), ...problemResponses(401, 404, 422) },
  }),
  async (c) => c.json(await updateWebhook(c.env, c.var.caller, c.req.valid("param").id, c.req.valid("json")), 200),
);

webhooksApi.openapi(
  createRoute({
    method: "post",
    path: "/api/webhooks/{id}/secret",
    summary: "Give the webhook a new signing secret",
    description:
      "Attempts from now on are signed with the new secret (shown only in this answer). With keepPreviousForSeconds the replaced one signs beside it until then (webhook-signature carries both, and standardwebhooks verifies either); without, it stops at once. Also what mends a secret this deployment's key cannot decrypt.",
    tags: ["Webhooks"],
    security,
    request: { params: z.object({ id: pathId("id") }), body: { required: false, content: { "application/json": { schema: SecretRenewal } } } },
    responses: { 200: json(CreatedWebhook, "The webhook with its new secret, shown only now"), ...problemResponses(401, 404, 422, 503) },
  }),
  async (c) => c.json(await rotateWebhookSecret(c.env, c.var.caller, c.req.valid("param").id, c.req.valid("json")?.keepPreviousForSeconds ?? 0), 200),
);

webhooksApi.openapi(
  createRoute({
    method: "delete",
    path: "/api/webhooks/{id}",
    tags: ["Webhooks"],
    security,
    request: { params: z.object({ id: pathId("id") }) },
    responses: { 204: { description: "Webhook and its deliveries deleted" }, ...problemResponses(401, 404) },
  }),
  async (c) => {
    await deleteWebhook(c.env, c.var.caller, c.req.valid("param").id);
    return c.body(null, 204);
  },
);

webhooksApi.openapi(
  createRoute({
    method: "get",
    path: "/api/webhooks/{id}/deliveries",
    tags: ["Webhooks"],
    security,
    request: {
      params: z.object({ id: pathId("id") }),
      query: z.object({
        cursor: z.string().min(1).max(64).optional(),
        limit: z.coerce.number().int().min(1).max(200).default(50),
      }),
    },
    responses: {
      200: json(z.object({ items: z.array(Delivery), nextCursor: z.string().nullable() }), "Deliveries, newest first"),
      ...problemResponses(400, 401, 404),
    },
  }),
  async (c) => {
    const { cursor, limit } = c.req.valid("query");
    return c.json(await listDeliveries(c.env, c.var.caller, c.req.valid("param").id, cursor, limit), 200);
  },
);

webhooksApi.openapi(
  createRoute({
    method: "post",
    path: "/api/webhooks/deliveries/{id}/redeliver",
    tags: ["Webhooks"],
    security,
    request: { params: z.object({ id: pathId("id") }) },
    responses: {
      202: json(z.object({ id: z.string(), series: z.number(), status: z.literal("pending") }), "A new attempt series is queued"),
      ...problemResponses(401, 404),
    },
  }),
  async (c) => c.json(await redeliver(c.env, c.var.caller, c.req.valid("param").id), 202),
);
