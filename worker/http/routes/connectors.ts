// Connectors API (DESIGN.md §11): the credentials a space's flows name by alias — create, list, read,
// update, delete (refused while a published flow version names it) and test. No answer carries a secret.
import { createRoute, z } from "@hono/zod-openapi";
import { ConnectorAlias, ConnectorName, CONNECTOR_TYPES, HttpConfig, NewConnectorBody, PostgresConfig } from "../../connectors/schema";
import { createConnector, deleteConnector, getConnector, listConnectors, testConnector, updateConnector } from "../../connectors/service";
import { requireKey } from "../auth";
import { router } from "../context";
import { body, json, problemResponses } from "../schemas";

const security = [{ bearer: [] }];
const ConnectorRef = z.string().min(1).max(128).openapi({ param: { name: "connector", in: "path" }, description: "Connector id or alias" });
const params = z.object({ connector: ConnectorRef });

export const NewConnector = NewConnectorBody.openapi("NewConnector", {
  description:
    "`postgres`: config { host, port? (5432), database, user, ssl? }, secret { password }; or config { hyperdrive: \"PG_…\" } (a Hyperdrive binding of the deployment granted to the account) and no secret. `http`: config { auth: bearer|basic|header, username? (basic), headerName? (header), baseUrl? }, secret { token } (bearer), { password } (basic) or { value } (header).",
});
export type NewConnector = z.infer<typeof NewConnector>;

export const ConnectorPatch = z
  .strictObject({
    name: ConnectorName.optional(),
    alias: ConnectorAlias.optional(),
    type: z.enum(CONNECTOR_TYPES).optional(),
    config: z.record(z.string(), z.unknown()).optional().openapi({ description: "Replaces the whole config; checked against the connector's type" }),
    secret: z.record(z.string(), z.string()).optional().openapi({ description: "Replaces the stored secret" }),
  })
  .openapi("ConnectorPatch");
export type ConnectorPatch = z.infer<typeof ConnectorPatch>;

export const Connector = z
  .object({
    id: z.string(),
    name: z.string(),
    alias: z.string(),
    type: z.enum(CONNECTOR_TYPES),
    config: z.union([PostgresConfig, HttpConfig]),
    secretSet: z.boolean().openapi({ description: "A secret is stored (it is never returned); false for a postgres connector through Hyperdrive, whose binding holds the credentials" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Connector");
export type Connector = z.infer<typeof Connector>;

export const ConnectorTestResult = z
  .object({ ok: z.boolean(), latencyMs: z.number().int(), message: z.string() })
  .openapi("ConnectorTestResult");
export type ConnectorTestResult = z.infer<typeof ConnectorTestResult>;

export const connectorsApi = router();
connectorsApi.use("/api/connectors", requireKey("management"));
connectorsApi.use("/api/connectors/*", requireKey("management"));

connectorsApi.openapi(
  createRoute({
    method: "post",
    path: "/api/connectors",
    summary: "Create a connector; its secret is stored encrypted and never returned",
    tags: ["Connectors"],
    security,
    request: { body: body(NewConnector) },
    responses: { 201: json(Connector, "Connector created (without its secret)"), ...problemResponses(401, 403, 409, 422, 503) },
  }),
  async (c) => c.json(await createConnector(c.env, c.var.caller, c.req.valid("json")), 201),
);

connectorsApi.openapi(
  createRoute({
    method: "get",
    path: "/api/connectors",
    summary: "List the space's connectors (never a secret)",
    tags: ["Connectors"],
    security,
    responses: { 200: json(z.object({ items: z.array(Connector) }), "The space's connectors, by alias"), ...problemResponses(401, 403) },
  }),
  async (c) => c.json({ items: await listConnectors(c.env, c.var.caller.spaceId) }, 200),
);

connectorsApi.openapi(
  createRoute({
    method: "get",
    path: "/api/connectors/{connector}",
    tags: ["Connectors"],
    security,
    request: { params },
    responses: { 200: json(Connector, "The connector (without its secret)"), ...problemResponses(401, 403, 404) },
  }),
  async (c) => c.json(await getConnector(c.env, c.var.caller.spaceId, c.req.valid("param").connector), 200),
);

connectorsApi.openapi(
  createRoute({
    method: "patch",
    path: "/api/connectors/{connector}",
    summary: "Update any field; a new secret replaces the stored one",
    tags: ["Connectors"],
    security,
    request: { params, body: body(ConnectorPatch) },
    responses: { 200: json(Connector, "Connector updated"), ...problemResponses(401, 403, 404, 409, 422, 503) },
  }),
  async (c) => c.json(await updateConnector(c.env, c.var.caller, c.req.valid("param").connector, c.req.valid("json")), 200),
);

connectorsApi.openapi(
  createRoute({
    method: "delete",
    path: "/api/connectors/{connector}",
    summary: "Delete a connector no published flow version names (409 connector-in-use lists those that do)",
    tags: ["Connectors"],
    security,
    request: { params },
    responses: { 204: { description: "Connector deleted" }, ...problemResponses(401, 403, 404, 409) },
  }),
  async (c) => {
    await deleteConnector(c.env, c.var.caller.spaceId, c.req.valid("param").connector);
    return c.body(null, 204);
  },
);

connectorsApi.openapi(
  createRoute({
    method: "post",
    path: "/api/connectors/{connector}/test",
    summary: "Try the connector from the Worker: postgres runs SELECT 1, http sends a GET to its baseUrl (5 s)",
    tags: ["Connectors"],
    security,
    request: { params },
    responses: { 200: json(ConnectorTestResult, "What happened; ok is false when it did not work"), ...problemResponses(401, 403, 404, 503) },
  }),
  async (c) => c.json(await testConnector(c.env, c.var.caller, c.req.valid("param").connector), 200),
);
