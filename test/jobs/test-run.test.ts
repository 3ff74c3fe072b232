// The console's test bench starts jobs of a version that is not published yet:
// POST /api/rules/{flow}/versions/{version}/jobs, management key only. /job/start still refuses it.
import { describe, expect, it } from "vitest";
import { call, createTenant, getJob, publishFlow } from "../helpers/api";
import { dispatch, runToEnd } from "../helpers/drive";
import { helloFlow } from "../helpers/flows";

const draft = {
  ...helloFlow,
  nodes: helloFlow.nodes.map((node) => (node.id === "greet" ? { ...node, data: { assign: { text: "'Draft hello, ' & input.name" } } } : node)),
};

describe("test jobs of a version", () => {
  it("runs an unpublished version for the management key, which /job/start refuses", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const saved = await call("POST", "/api/rules/hello/versions", { key: tenant.managementKey, body: { definition: draft } });
    expect(saved.body).toMatchObject({ version: 2, status: "pending" });

    const refused = await call("POST", "/job/start/hello/2", { key: tenant.managementKey, body: { name: "Ada" } });
    expect(refused.status).toBe(400);
    expect(refused.body.type).toBe("rule-not-published");

    const started = await call("POST", "/api/rules/hello/versions/2/jobs", { key: tenant.managementKey, body: { name: "Ada" } });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.headers.get("location")).toBe(`/job/${started.body.jobId}`);
    expect(started.body.ruleReference).toMatchObject({ alias: "hello", version: 2 });
    await dispatch(tenant.accountId);
    expect(await runToEnd(started.body.jobId)).toBe("COMPLETED");
    expect((await getJob(tenant, started.body.jobId)).output).toEqual({ greeting: "Draft hello, Ada" });
  });

  it("refuses the solver key, a missing version and a decision table", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    expect((await call("POST", "/api/rules/hello/versions/1/jobs", { key: tenant.solverKey, body: {} })).status).toBe(403);
    const missing = await call("POST", "/api/rules/hello/versions/7/jobs", { key: tenant.managementKey, body: {} });
    expect(missing.status).toBe(404);
    await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: { name: "table", alias: "table", type: "decision-table", definition: { hitPolicy: "FIRST_MATCH", inputs: [], outputs: [], rows: [] } },
    });
    const table = await call("POST", "/api/rules/table/versions/1/jobs", { key: tenant.managementKey, body: {} });
    expect(table.status).toBe(400);
    expect(table.body.type).toBe("rule-not-integration-flow");
  });
});
