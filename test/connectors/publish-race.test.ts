// A publish and a connector's delete, rename or retype that race never leave a published version
// naming a connector that is gone or of another type: the version is written only while every
// connector it was validated against is still there with its type, and the connector is deleted or
// renamed only while no published version names it — each condition inside its write's statement,
// so whichever lands second changes nothing and its answer says why. Each test puts the other
// writer exactly between a check and its write (interleavedD1), where the race would bite.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deleteConnector, updateConnector, type ConnectorPatch } from "../../worker/connectors/service";
import { directory } from "../../worker/db/databases";
import type { Env } from "../../worker/env";
import { Problem } from "../../worker/errors";
import { addVersion, createRule, publishVersion } from "../../worker/rules/service";
import { interleavedD1 } from "../helpers/faults";
import { call, createTenant, type Tenant } from "../helpers/api";
import { createConnector, flowNaming, httpConnector } from "./helpers";

/** Published versions of the tenant's flows whose nodes name a connector the space does not have. */
async function publishedNamingMissing(tenant: Tenant): Promise<unknown[]> {
  const rows = await env.DIRECTORY.prepare(
    `SELECT r.alias, v.version, json_extract(n.value, '$.data.connector') AS connector
     FROM rules r JOIN rule_versions v ON v.rule_id = r.id JOIN json_each(v.definition, '$.nodes') n
     WHERE r.space_id = ? AND v.status = 'published' AND json_extract(n.value, '$.data.connector') IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM connectors c WHERE c.space_id = r.space_id AND c.alias = json_extract(n.value, '$.data.connector') AND c.type = 'http')`,
  )
    .bind(tenant.spaceId)
    .all();
  return rows.results;
}

/** The Worker's env with a directory on which `between` lands just before the write matching `write`. */
function racing(write: RegExp, between: () => Promise<unknown>): Env {
  return { ...(env as unknown as Env), DIRECTORY: interleavedD1(env.DIRECTORY, write, between) };
}

async function problemOf(work: Promise<unknown>): Promise<Problem> {
  const error = await work.then(
    () => null,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(Problem);
  return error as Problem;
}

const asUser = (tenant: Tenant, method: string, path: string, body?: unknown) => call(method, path, { key: tenant.managementKey, body });

const RETYPE = { type: "postgres" as const, config: { host: "db", database: "d", user: "u" }, secret: { password: "p" } };

describe("a version written while its connector changes", () => {
  it("is not published when the connector is deleted between the validation and the write", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, httpConnector("crm"));
    expect((await asUser(tenant, "POST", "/api/rules", { name: "draft", alias: "draft", type: "integration-flow", definition: flowNaming("crm") })).status).toBe(201);
    const raced = racing(/^\s*UPDATE rule_versions SET status = 'published'/, async () => {
      expect((await asUser(tenant, "DELETE", "/api/connectors/crm")).status).toBe(204);
    });

    const refused = await problemOf(publishVersion(directory(raced).orm(), tenant.spaceId, "draft", 1));
    expect(refused).toMatchObject({ status: 422, type: "invalid-definition", errors: [{ path: "definition.nodes[fetch].data.connector" }] });
    expect((await asUser(tenant, "GET", "/api/rules/draft")).body).toMatchObject({ status: "pending", latestPublishedVersion: null });
    expect(await publishedNamingMissing(tenant)).toEqual([]);
  });

  it("is not created when the connector is retyped between the validation and the write, and nothing of it is left", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, httpConnector("crm"));
    const raced = racing(/^\s*INSERT INTO rules/, async () => {
      expect((await asUser(tenant, "PATCH", "/api/connectors/crm", RETYPE)).status).toBe(200);
    });

    const refused = await problemOf(createRule(directory(raced).orm(), tenant.spaceId, { name: "sync", alias: "sync", type: "integration-flow", definition: flowNaming("crm"), publish: true }));
    expect(refused).toMatchObject({ status: 422, type: "invalid-definition" });
    expect((await asUser(tenant, "GET", "/api/rules/sync")).status).toBe(404);
    expect((await asUser(tenant, "GET", "/api/rules")).body).toEqual({ items: [] });
  });

  it("is not added when the connector is renamed between the validation and the write; the rule keeps its versions", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, httpConnector("crm"));
    expect((await asUser(tenant, "POST", "/api/rules", { name: "sync", alias: "sync", type: "integration-flow", definition: flowNaming("crm"), publish: true })).status).toBe(201);
    await createConnector(tenant, httpConnector("crm-next"));
    const raced = racing(/^\s*UPDATE rules SET latest_version/, async () => {
      expect((await asUser(tenant, "PATCH", "/api/connectors/crm-next", { alias: "crm-renamed" })).status).toBe(200);
    });

    const refused = await problemOf(addVersion(directory(raced).orm(), tenant.spaceId, "sync", { definition: flowNaming("crm-next"), publish: true }));
    expect(refused).toMatchObject({ status: 422, type: "invalid-definition" });
    expect((await asUser(tenant, "GET", "/api/rules/sync")).body).toMatchObject({ latestVersion: 1, latestPublishedVersion: 1 });
    // The next version takes number 2: the refused save took no number.
    const next = await asUser(tenant, "POST", "/api/rules/sync/versions", { definition: flowNaming("crm-renamed"), publish: true });
    expect(next.body).toMatchObject({ version: 2, status: "published" });
    expect(await publishedNamingMissing(tenant)).toEqual([]);
  });

  it("is written with the connector put back in between: only what is gone refuses it", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, httpConnector("crm"));
    expect((await asUser(tenant, "POST", "/api/rules", { name: "draft", alias: "draft", type: "integration-flow", definition: flowNaming("crm") })).status).toBe(201);
    const raced = racing(/^\s*UPDATE rule_versions SET status = 'published'/, async () => {
      expect((await asUser(tenant, "DELETE", "/api/connectors/crm")).status).toBe(204);
      await createConnector(tenant, httpConnector("crm"));
    });
    expect(await publishVersion(directory(raced).orm(), tenant.spaceId, "draft", 1)).toMatchObject({ version: 1, status: "published" });
    expect(await publishedNamingMissing(tenant)).toEqual([]);
  });
});

describe("a connector changed while a version naming it is published", () => {
  it("is not deleted when the version is published between the check and the delete (409 names it)", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, httpConnector("crm"));
    expect((await asUser(tenant, "POST", "/api/rules", { name: "draft", alias: "draft", type: "integration-flow", definition: flowNaming("crm") })).status).toBe(201);
    const raced = racing(/^\s*DELETE FROM connectors/, async () => {
      expect((await asUser(tenant, "POST", "/api/rules/draft/versions/1/publish")).status).toBe(200);
    });

    const refused = await problemOf(deleteConnector(raced, tenant.spaceId, "crm"));
    expect(refused).toMatchObject({ status: 409, type: "connector-in-use", errors: [{ path: "rules[draft].versions[1]" }] });
    expect((await asUser(tenant, "GET", "/api/connectors/crm")).status).toBe(200);
    expect(await publishedNamingMissing(tenant)).toEqual([]);
  });

  it("is not renamed or retyped when a version naming it is published between the check and the write", async () => {
    for (const patch of [{ alias: "crm-2" }, RETYPE] as ConnectorPatch[]) {
      const tenant = await createTenant();
      await createConnector(tenant, httpConnector("crm"));
      const raced = racing(/^\s*update "connectors"/i, async () => {
        expect((await asUser(tenant, "POST", "/api/rules", { name: "sync", alias: "sync", type: "integration-flow", definition: flowNaming("crm"), publish: true })).status).toBe(201);
      });

      const refused = await problemOf(updateConnector(raced, { accountId: tenant.accountId, spaceId: tenant.spaceId }, "crm", patch));
      expect(refused).toMatchObject({ status: 409, type: "connector-in-use" });
      expect((await asUser(tenant, "GET", "/api/connectors/crm")).body).toMatchObject({ alias: "crm", type: "http" });
      expect(await publishedNamingMissing(tenant)).toEqual([]);
    }
  });

  it("still has its secret replaced while versions name it", async () => {
    const tenant = await createTenant();
    await createConnector(tenant, httpConnector("crm"));
    const raced = racing(/^\s*update "connectors"/i, async () => {
      expect((await asUser(tenant, "POST", "/api/rules", { name: "sync", alias: "sync", type: "integration-flow", definition: flowNaming("crm"), publish: true })).status).toBe(201);
    });
    expect(await updateConnector(raced, { accountId: tenant.accountId, spaceId: tenant.spaceId }, "crm", { secret: { token: "rotated" } })).toMatchObject({ alias: "crm" });
  });
});
