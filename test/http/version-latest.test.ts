// `latest` is accepted wherever a path takes a version: at a trigger and a cancel-all it is the latest
// published version (what can run), in the rules API the newest version; anything else is refused
// in plain words.
import { describe, expect, it } from "vitest";
import { call, createTenant, publishFlow, trigger } from "../helpers/api";
import { helloFlow } from "../helpers/flows";

describe("`latest` as a version", () => {
  it("starts a job of the latest published version with /job/start/{flow}/latest, like no version at all", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    await call("POST", "/api/rules/hello/versions", { key: tenant.managementKey, body: { definition: helloFlow, publish: true } });
    await call("POST", "/api/rules/hello/versions", { key: tenant.managementKey, body: { definition: helloFlow } });

    const latest = await trigger(tenant, "hello/latest", { name: "Ada" });
    expect(latest.status).toBe(202);
    expect(latest.headers.get("location")).toBe(`/job/${latest.body.jobId}`);
    expect(latest.body.ruleReference).toMatchObject({ alias: "hello", version: 2 });
    expect((await trigger(tenant, "hello")).body.ruleReference.version).toBe(2);
    expect((await trigger(tenant, "hello/1")).body.ruleReference.version).toBe(1);
  });

  it("refuses /latest of a flow with nothing published as the versionless trigger does", async () => {
    const tenant = await createTenant();
    await call("POST", "/api/rules", { key: tenant.managementKey, body: { name: "draft", alias: "draft", type: "integration-flow", definition: helloFlow } });

    const latest = await trigger(tenant, "draft/latest");
    expect([latest.status, latest.body.type]).toEqual([400, "rule-not-published"]);
    expect((await trigger(tenant, "draft")).body).toEqual(latest.body);
  });

  it("cancels the waiting jobs of the latest published version with /job/cancelAll/rule/{flow}/latest", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const old = (await trigger(tenant, "hello")).body.jobId;
    await call("POST", "/api/rules/hello/versions", { key: tenant.managementKey, body: { definition: helloFlow, publish: true } });
    const current = [(await trigger(tenant, "hello")).body.jobId, (await trigger(tenant, "hello/latest")).body.jobId];

    const canceled = await call("POST", "/job/cancelAll/rule/hello/latest", { key: tenant.solverKey });
    expect(canceled).toMatchObject({ status: 200, body: { canceled: 2 } });
    for (const jobId of current) expect((await call("GET", `/job/${jobId}`, { key: tenant.solverKey })).body.status.state).toBe("CANCELED");
    expect((await call("GET", `/job/${old}`, { key: tenant.solverKey })).body.status.state).toBe("WAITING");
  });

  it("reads and publishes the newest version of a rule as versions/latest", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    await call("POST", "/api/rules/hello/versions", { key: tenant.managementKey, body: { definition: helloFlow } });

    const newest = await call("GET", "/api/rules/hello/versions/latest", { key: tenant.managementKey });
    expect(newest).toMatchObject({ status: 200, body: { version: 2, status: "pending", latestVersion: 2, latestPublishedVersion: 1 } });
    const published = await call("POST", "/api/rules/hello/versions/latest/publish", { key: tenant.managementKey });
    expect(published).toMatchObject({ status: 200, body: { version: 2, status: "published" } });
    expect((await call("GET", "/api/rules/hello/versions/latest", { key: tenant.managementKey })).body).toMatchObject({ version: 2, status: "published" });
    expect((await trigger(tenant, "hello/latest")).body.ruleReference.version).toBe(2);
  });

  it("refuses any other version with 400 saying what a version is", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const refusals = [
      await trigger(tenant, "hello/newest"),
      await trigger(tenant, "hello/0"),
      await trigger(tenant, "hello/1.5"),
      await trigger(tenant, "hello/-1"),
      await call("POST", "/job/cancelAll/rule/hello/LATEST", { key: tenant.solverKey }),
      await call("GET", "/api/rules/hello/versions/two", { key: tenant.managementKey }),
      await call("POST", "/api/rules/hello/versions/99999999999/publish", { key: tenant.managementKey }),
    ];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(400);
      expect(refusal.headers.get("content-type")).toContain("application/problem+json");
      expect(refusal.body).toMatchObject({
        type: "invalid-request",
        detail: "Path parameter 'version' must be a whole number (1, 2, 3, …) or `latest`.",
        errors: [{ path: "param.version", message: "must be a whole number (1, 2, 3, …) or `latest`" }],
      });
    }
    expect(JSON.stringify(refusals.map((refusal) => refusal.body))).not.toMatch(/NaN|expected number/);
    // A version that could exist but does not is a 404, not a parameter error.
    expect((await call("GET", "/api/rules/hello/versions/7", { key: tenant.managementKey })).status).toBe(404);
  });

  it("describes {version} in the OpenAPI document as a number or `latest`", async () => {
    const doc = (await call("GET", "/api/openapi.json")).body;
    const param = doc.paths["/job/start/{flow}/{version}"].post.parameters.find((parameter: { name: string }) => parameter.name === "version");
    expect(param).toMatchObject({ in: "path", required: true, schema: { type: "string", pattern: expect.stringContaining("latest") } });
    expect(param.description).toContain("`latest`");
  });
});
