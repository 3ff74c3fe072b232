// A connector's secret is never in an answer: every route of /api/connectors in the OpenAPI document
// is called for a postgres and an http connector, and no answer contains the secret; nor does the
// directory row hold it in clear.
import { describe, expect, it } from "vitest";
import { call, createTenant, publishFlow } from "../helpers/api";
import { directoryDb } from "../helpers/db";
import { createConnector, flowNaming, HTTP_TOKEN, httpConnector, PG_PASSWORD, postgresConnector } from "./helpers";

const REPLACED_SECRET = "replaced-Secret-0c7e55aa";

describe("connector secrets in answers", () => {
  it("are absent from the answer of every connector route, refusals included", async () => {
    const tenant = await createTenant();
    const document = (await call("GET", "/api/openapi.json")).body as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(document.paths)
      .filter(([path]) => path.startsWith("/api/connectors"))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
    expect(routes.sort()).toEqual([
      "DELETE /api/connectors/{connector}",
      "GET /api/connectors",
      "GET /api/connectors/{connector}",
      "POST /api/connectors/{connector}/test",
      "PATCH /api/connectors/{connector}",
      "POST /api/connectors",
    ].sort());

    const answers: { route: string; status: number; text: string }[] = [];
    const record = async (route: string, method: string, path: string, body?: unknown) => {
      const response = await call(method, path, { key: tenant.managementKey, body });
      answers.push({ route, status: response.status, text: JSON.stringify(response.body) + [...response.headers].join() });
      return response;
    };

    for (const connector of [postgresConnector("orders-db"), httpConnector("crm")]) {
      const created = await record("POST /api/connectors", "POST", "/api/connectors", connector);
      expect(created.status).toBe(201);
      // Refused: the alias is taken (the body carries the secret again).
      expect((await record("POST /api/connectors", "POST", "/api/connectors", connector)).status).toBe(409);
      for (const ref of [created.body.id, connector.alias]) {
        await record("GET /api/connectors/{connector}", "GET", `/api/connectors/${ref}`);
        await record("PATCH /api/connectors/{connector}", "PATCH", `/api/connectors/${ref}`, { name: "renamed" });
        await record("POST /api/connectors/{connector}/test", "POST", `/api/connectors/${ref}/test`);
      }
      // A refused PATCH that carries a secret of the wrong shape.
      await record("PATCH /api/connectors/{connector}", "PATCH", `/api/connectors/${connector.alias}`, { secret: { nope: REPLACED_SECRET } });
    }
    await record("GET /api/connectors", "GET", "/api/connectors");
    // In use: the 409 names the flow, not the secret.
    await publishFlow(tenant, flowNaming("crm"), "sync");
    expect((await record("DELETE /api/connectors/{connector}", "DELETE", "/api/connectors/crm")).status).toBe(409);
    // A new secret, then the answers again.
    expect((await record("PATCH /api/connectors/{connector}", "PATCH", "/api/connectors/orders-db", { secret: { password: REPLACED_SECRET } })).status).toBe(200);
    await record("GET /api/connectors", "GET", "/api/connectors");
    await record("POST /api/connectors/{connector}/test", "POST", "/api/connectors/orders-db/test");
    expect((await record("DELETE /api/connectors/{connector}", "DELETE", "/api/connectors/orders-db")).status).toBe(204);

    expect(new Set(answers.map((answer) => answer.route))).toEqual(new Set(routes));
    for (const answer of answers) {
      for (const secret of [PG_PASSWORD, HTTP_TOKEN, REPLACED_SECRET]) {
        expect(answer.text, `${answer.route} (${answer.status})`).not.toContain(secret);
      }
    }

    const { results } = await directoryDb().prepare("SELECT * FROM connectors WHERE space_id = ?").bind(tenant.spaceId).all();
    expect(results).toHaveLength(1);
    for (const secret of [PG_PASSWORD, HTTP_TOKEN, REPLACED_SECRET]) expect(JSON.stringify(results)).not.toContain(secret);
  });
});
