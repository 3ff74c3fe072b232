// A connector that a published flow version names cannot be deleted (409 connector-in-use listing
// those versions), nor renamed or retyped; pending versions and other spaces' flows do not hold it,
// and a pending version naming a connector that is gone cannot be published.
import { describe, expect, it } from "vitest";
import { call, createTenant, publishFlow } from "../helpers/api";
import { createConnector, flowNaming, httpConnector } from "./helpers";

describe("connector in use", () => {
  it("refuses DELETE while published flow versions name it, listing each of them", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, httpConnector("crm"));
    await createConnector(tenant, httpConnector("crm-other"));
    const sync = await publishFlow(tenant, flowNaming("crm"), "sync");
    await call("POST", "/api/rules/sync/versions", { key: tenant.managementKey, body: { definition: flowNaming("crm-other"), publish: true } });
    await call("POST", "/api/rules/sync/versions", { key: tenant.managementKey, body: { definition: flowNaming("crm"), publish: true } });
    await publishFlow(tenant, flowNaming("crm"), "nightly");

    const refused = await call("DELETE", "/api/connectors/crm", { key: tenant.managementKey });
    expect(refused.status).toBe(409);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.body).toMatchObject({ type: "connector-in-use", title: "Connector in use" });
    expect(refused.body.detail).toMatch(/^Connector 'crm' is named by 3 published flow version\(s\): (sync v1, sync v3, nightly v1|nightly v1, sync v1, sync v3)\./);
    expect(refused.body.errors).toEqual(
      expect.arrayContaining([
        { path: "rules[sync].versions[1]", message: "is published and its node 'fetch' names connector 'crm'" },
        { path: "rules[sync].versions[3]", message: "is published and its node 'fetch' names connector 'crm'" },
        { path: "rules[nightly].versions[1]", message: "is published and its node 'fetch' names connector 'crm'" },
      ]),
    );
    expect(refused.body.errors).toHaveLength(3);
    expect(sync).toBeTruthy();
    expect((await call("GET", "/api/connectors/crm", { key: tenant.managementKey })).status).toBe(200);

    // Nor renamed or retyped: the published versions name it by alias and need an http connector.
    const renamed = await call("PATCH", "/api/connectors/crm", { key: tenant.managementKey, body: { alias: "crm-2" } });
    expect(renamed.status).toBe(409);
    expect(renamed.body.type).toBe("connector-in-use");
    const retyped = await call("PATCH", "/api/connectors/crm", {
      key: tenant.managementKey,
      body: { type: "postgres", config: { host: "db", database: "d", user: "u" }, secret: { password: "p" } },
    });
    expect(retyped.status).toBe(409);
    // Its config and secret may change.
    const rotated = await call("PATCH", "/api/connectors/crm", { key: tenant.managementKey, body: { secret: { token: "rotated" } } });
    expect(rotated.status).toBe(200);
  });

  it("lets a connector go when only pending versions name it", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, httpConnector("crm"));
    const draft = await call("POST", "/api/rules", { key: tenant.managementKey, body: { name: "draft", alias: "draft", type: "integration-flow", definition: flowNaming("crm") } });
    expect(draft.status).toBe(201);
    expect((await call("DELETE", "/api/connectors/crm", { key: tenant.managementKey })).status).toBe(204);
    // The pending version cannot be published now: it names a connector that is gone.
    const refused = await call("POST", "/api/rules/draft/versions/1/publish", { key: tenant.managementKey });
    expect(refused.status).toBe(422);
    expect(refused.body).toMatchObject({ type: "invalid-definition", errors: [{ path: "definition.nodes[fetch].data.connector", message: expect.stringContaining("crm") }] });
    expect((await call("GET", "/api/rules/draft", { key: tenant.managementKey })).body).toMatchObject({ status: "pending", latestPublishedVersion: null });
    // With the connector back, it is published.
    await createConnector(tenant, httpConnector("crm"));
    expect((await call("POST", "/api/rules/draft/versions/1/publish", { key: tenant.managementKey })).status).toBe(200);
  });

  it("is not held by another space's flows naming the same alias", async () => {
    const tenant = await createTenant();
    const other = await createTenant();
    await createConnector(tenant, httpConnector("crm"));
    await createConnector(other, httpConnector("crm"));
    await publishFlow(other, flowNaming("crm"), "sync");
    expect((await call("DELETE", "/api/connectors/crm", { key: tenant.managementKey })).status).toBe(204);
    expect((await call("DELETE", "/api/connectors/crm", { key: other.managementKey })).status).toBe(409);
  });
});
