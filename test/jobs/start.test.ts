import { describe, expect, it } from "vitest";
import { call, createTenant, publishFlow, trigger, type Tenant } from "../helpers/api";
import { helloFlow } from "../helpers/flows";

async function jobCount(tenant: Tenant) {
  const row = await tenant.db.prepare("SELECT count(*) AS n FROM jobs WHERE space_id = ?").bind(tenant.spaceId).first<{ n: number }>();
  return row!.n;
}

describe("POST /job/start", () => {
  it("answers 202 with Location and a WAITING job object", async () => {
    const tenant = await createTenant();
    const ruleId = await publishFlow(tenant, helloFlow, "hello");
    const response = await trigger(tenant, "hello", { name: "Ada" }, { "x-correlation-id": "order-42" });
    expect(response.status).toBe(202);
    expect(response.headers.get("location")).toBe(`/job/${response.body.jobId}`);
    expect(response.body).toEqual({
      jobId: expect.stringMatching(/^[0-9A-Z]{26}$/),
      correlationId: "order-42",
      inputData: { name: "Ada" },
      output: null,
      ruleReference: { baseId: ruleId, alias: "hello", version: 1, type: "integration-flow" },
      context: { spaceId: tenant.spaceId, usedApiKeyId: expect.any(String) },
      status: { state: "WAITING", code: "JOB_INITIALIZED", message: "Job initialized" },
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      claimedAt: null,
      endedAt: null,
      progress: { steps: 0, currentNode: null, loop: null },
      usage: { executionMs: 0 },
      error: null,
    });
    expect(tenant.solverKey).toContain(response.body.context.usedApiKeyId);
  });

  it("starts by rule id and by explicit version, and mints a correlation id when none is given", async () => {
    const tenant = await createTenant();
    const ruleId = await publishFlow(tenant, helloFlow, "hello");
    const byId = await trigger(tenant, ruleId, {});
    expect(byId.status).toBe(202);
    expect(byId.body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const byVersion = await call("POST", "/job/start/hello/1", { key: tenant.solverKey, body: {} });
    expect(byVersion.status).toBe(202);
    expect(byVersion.body.ruleReference.version).toBe(1);
  });

  it("uses the latest published version, not a newer pending one", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const v2 = await call("POST", "/api/rules/hello/versions", { key: tenant.managementKey, body: { definition: helloFlow } });
    expect(v2.body.version).toBe(2);
    expect((await trigger(tenant, "hello")).body.ruleReference.version).toBe(1);
    const pending = await call("POST", "/job/start/hello/2", { key: tenant.solverKey, body: {} });
    expect(pending.status).toBe(400);
    expect(pending.body.type).toBe("rule-not-published");
    await call("POST", "/api/rules/hello/versions/2/publish", { key: tenant.managementKey });
    expect((await trigger(tenant, "hello")).body.ruleReference.version).toBe(2);
  });

  it("replays an Idempotency-Key with the first job and refuses it with another body", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    const first = await trigger(tenant, "hello", { name: "a" }, { "idempotency-key": "k1" });
    const again = await trigger(tenant, "hello", { name: "a" }, { "idempotency-key": "k1" });
    expect(first.status).toBe(202);
    expect(again.status).toBe(200);
    expect(again.body.jobId).toBe(first.body.jobId);
    const other = await trigger(tenant, "hello", { name: "b" }, { "idempotency-key": "k1" });
    expect(other.status).toBe(409);
    expect(other.body.type).toBe("idempotency-key-reused");
    expect(await jobCount(tenant)).toBe(1);
  });

  it("refuses every bad trigger with its status and problem type, creating no job", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, helloFlow, "hello");
    await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: { name: "draft", alias: "draft", type: "integration-flow", definition: helloFlow },
    });
    await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: { name: "table", alias: "table", type: "decision-table", definition: { hitPolicy: "FIRST_MATCH", inputs: [], outputs: [], rows: [] }, publish: true },
    });
    const huge = JSON.stringify({ blob: "x".repeat(1024 * 1024) });
    const cases: [string, { body?: unknown; headers?: Record<string, string> }, number, string][] = [
      ["/job/start/nope", { body: {} }, 404, "rule-not-found"],
      ["/job/start/hello/7", { body: {} }, 404, "rule-version-not-found"],
      ["/job/start/draft", { body: {} }, 400, "rule-not-published"],
      ["/job/start/table", { body: {} }, 400, "rule-not-integration-flow"],
      ["/job/start/hello", { body: "{not json" }, 400, "invalid-json"],
      ["/job/start/hello", { body: "[1,2]" }, 400, "invalid-input"],
      ["/job/start/hello", { body: "name=ada", headers: { "content-type": "application/x-www-form-urlencoded" } }, 415, "unsupported-media-type"],
      ["/job/start/hello", { body: huge }, 413, "payload-too-large"],
    ];
    for (const [path, options, status, type] of cases) {
      const response = await call("POST", path, { key: tenant.solverKey, ...options });
      expect({ path, status: response.status, type: response.body?.type }).toEqual({ path, status, type });
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
    expect(await jobCount(tenant)).toBe(0);
  });

  it("answers CORS preflights for triggers from any origin", async () => {
    const response = await call("OPTIONS", "/job/start/hello", {
      headers: { origin: "https://example.org", "access-control-request-method": "POST" },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("*");
    expect(response.headers.get("access-control-allow-headers")).toContain("Idempotency-Key");
  });
});
