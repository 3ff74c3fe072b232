import { afterEach, describe, expect, it, vi } from "vitest";
import { call, createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, runAlarm, runToEnd } from "../helpers/drive";
import { sleepyFlow } from "../helpers/flows";

afterEach(() => {
  vi.useRealTimers();
});

const withOutput = (output: string) => ({
  ...sleepyFlow,
  nodes: sleepyFlow.nodes.map((node) => (node.type === "END" ? { ...node, data: { output } } : node)),
});

describe("rule versions and running jobs", () => {
  it("keeps a running job on the version it started with when a new one is published", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, withOutput("{ 'version': 1 }"), "versioned");
    const jobId = (await trigger(tenant, "versioned", { seconds: 60 })).body.jobId;
    await dispatch(tenant.accountId);
    await runAlarm(jobId);

    const v2 = await call("POST", "/api/rules/versioned/versions", {
      key: tenant.managementKey,
      body: { definition: withOutput("{ 'version': 2 }"), publish: true },
    });
    expect(v2.body).toMatchObject({ version: 2, status: "published" });
    const rule = await call("GET", "/api/rules/versioned", { key: tenant.managementKey });
    expect(rule.body).toMatchObject({ latestVersion: 2, latestPublishedVersion: 2, version: 2 });

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 61_000);
    await runToEnd(jobId);
    vi.useRealTimers();
    expect((await getJob(tenant, jobId)).output).toEqual({ version: 1 });

    const next = (await trigger(tenant, "versioned", { seconds: 0 })).body;
    expect(next.ruleReference.version).toBe(2);
    await dispatch(tenant.accountId);
    await runToEnd(next.jobId);
    expect((await getJob(tenant, next.jobId)).output).toEqual({ version: 2 });
  });

  it("lists rules with their latest and latest published versions, and reads any version", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, withOutput("1"), "listed");
    await call("POST", "/api/rules/listed/versions", { key: tenant.managementKey, body: { definition: withOutput("2") } });
    const list = await call("GET", "/api/rules", { key: tenant.managementKey });
    expect(list.body.items).toEqual([
      expect.objectContaining({ alias: "listed", latestVersion: 2, latestPublishedVersion: 1, version: 2, status: "pending" }),
    ]);
    const v1 = await call("GET", "/api/rules/listed/versions/1", { key: tenant.managementKey });
    expect(v1.body).toMatchObject({ version: 1, status: "published" });
    expect(v1.body.definition.nodes.find((node: { type: string }) => node.type === "END").data.output).toBe("1");
    expect((await call("GET", "/api/rules/listed/versions/3", { key: tenant.managementKey })).status).toBe(404);
    const published = await call("POST", "/api/rules/listed/versions/2/publish", { key: tenant.managementKey });
    expect(published.body).toEqual({ ruleId: list.body.items[0].ruleId, version: 2, status: "published" });
  });
});
