// A flow naming a connector its space does not have, or one of the wrong type, is refused on save
// (422 invalid-definition naming the node's field), on the first version and on later ones alike.
import { describe, expect, it } from "vitest";
import { call, createTenant } from "../helpers/api";
import { createConnector, flowNaming, httpConnector, postgresConnector } from "./helpers";

const save = (key: string, definition: unknown) =>
  call("POST", "/api/rules", { key, body: { name: "sync", alias: "sync", type: "integration-flow", definition, publish: true } });

describe("connectors named by a flow, on save", () => {
  it("refuses an unknown alias, naming the node", async () => {
    const tenant = await createTenant();
    const refused = await save(tenant.managementKey, flowNaming("crm"));
    expect(refused.status).toBe(422);
    expect(refused.body.type).toBe("invalid-definition");
    expect(refused.body.errors).toEqual([
      { path: "definition.nodes[fetch].data.connector", message: "is 'crm', but this space has no connector with that alias; create an http connector 'crm' first" },
    ]);
    expect((await call("GET", "/api/rules/sync", { key: tenant.managementKey })).status).toBe(404);
  });

  it("refuses a connector of the wrong type", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, postgresConnector("crm"));
    const refused = await save(tenant.managementKey, flowNaming("crm"));
    expect(refused.status).toBe(422);
    expect(refused.body.errors).toEqual([
      { path: "definition.nodes[fetch].data.connector", message: "is 'crm', a postgres connector; this node needs an http connector" },
    ]);
  });

  it("refuses another space's connector, and accepts the space's own, on a new version too", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    await createConnector(other, httpConnector("crm"));
    expect((await save(tenant.managementKey, flowNaming("crm"))).status).toBe(422);

    await createConnector(tenant, httpConnector("crm"));
    expect((await save(tenant.managementKey, flowNaming("crm"))).status).toBe(201);
    const version = await call("POST", "/api/rules/sync/versions", { key: tenant.managementKey, body: { definition: flowNaming("crm-typo") } });
    expect(version.status).toBe(422);
    expect(version.body.errors[0].path).toBe("definition.nodes[fetch].data.connector");
  });
});
