import { describe, expect, it } from "vitest";
import { call, createTenant } from "../helpers/api";
import { directoryDb } from "../helpers/db";
import { helloFlow } from "../helpers/flows";

describe("errors and API description", () => {
  it("answers unknown API routes with a problem+json 404", async () => {
    const response = await call("GET", "/api/nothing-here", {});
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ type: "route-not-found", status: 404 });
  });

  it("serves the OpenAPI 3.1 document generated from the routes, and the reference page", async () => {
    const doc = await call("GET", "/api/openapi.json");
    expect(doc.status).toBe(200);
    expect(doc.body.openapi).toBe("3.1.0");
    for (const path of ["/job/start/{flow}", "/job/start/{flow}/{version}", "/job/{jobId}", "/job/cancel/{jobId}", "/api/jobs", "/api/rules"]) {
      expect(Object.keys(doc.body.paths)).toContain(path);
    }
    expect(doc.body.components.schemas.Job.properties).toHaveProperty("ruleReference");
    const docs = await call("GET", "/api/docs");
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toContain("/api/openapi.json");
  });

  it("answers a malformed rule body with 422 naming the fields", async () => {
    const tenant = await createTenant();
    const response = await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: { name: "x", type: "integration-flow", definition: { nodes: "nope" } },
    });
    expect(response.status).toBe(422);
    expect(response.body.type).toBe("invalid-definition");
    expect(response.body.errors[0].path).toContain("definition.nodes");
  });

  it("refuses a duplicate alias in the same space with 409", async () => {
    const tenant = await createTenant();
    const body = { name: "x", alias: "dup", type: "integration-flow", definition: helloFlow };
    expect((await call("POST", "/api/rules", { key: tenant.managementKey, body })).status).toBe(201);
    const again = await call("POST", "/api/rules", { key: tenant.managementKey, body });
    expect(again.status).toBe(409);
    expect(again.body.type).toBe("alias-taken");
  });
});

describe("internal errors", () => {
  it("answers 500 with a request id and no internals", async () => {
    const tenant = await createTenant();
    const created = await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: { name: "x", alias: "broken", type: "integration-flow", definition: helloFlow },
    });
    await directoryDb().prepare("UPDATE rule_versions SET definition = '{oops' WHERE rule_id = ?").bind(created.body.ruleId).run();
    const response = await call("GET", "/api/rules/broken", { key: tenant.managementKey });
    expect(response.status).toBe(500);
    expect(response.body).toMatchObject({ type: "internal-error", status: 500 });
    expect(response.body.detail).toMatch(/Request id: [\w-]+/);
    expect(JSON.stringify(response.body)).not.toMatch(/SyntaxError|JSON|at \w+ \(/);
  });
});
