// The node states GET /api/jobs/{id} answers for jobs the runner ran: nothing running once a job is
// canceled or failed, every node that ran in a loop done with its run count, the same answer after
// the runner was evicted (read back from the stored checkpoint), and the API reference saying so.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTenant, publishFlow, trigger, type Tenant } from "../helpers/api";
import { dispatch, runAlarm, runner, runToEnd } from "../helpers/drive";
import { alternatingFlow, countingFlow } from "../helpers/flows";

async function detail(tenant: Tenant, jobId: string) {
  const response = await call("GET", `/api/jobs/${jobId}`, { key: tenant.managementKey });
  expect(response.status).toBe(200);
  return response.body as { status: { state: string }; nodeStates: Record<string, string>; nodeRuns: Record<string, number> };
}

/** A FOREACH whose body logs each item and then sleeps a minute. */
const nappingLoop = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "each", type: "FOREACH", name: "each", data: { items: "[1, 2, 3]" } },
    { id: "say", type: "LOG", name: "say", data: { message: "'item ' & each.currentItem" } },
    { id: "nap", type: "WAIT", name: "nap", data: { seconds: "60" } },
    { id: "end", type: "END", name: "end", data: { output: "{}" } },
  ],
  connections: [
    { source: "start", target: "each" },
    { source: "each", target: "say", port: "loop" },
    { source: "say", target: "nap" },
    { source: "each", target: "end", port: "done" },
  ],
};


describe("node states of a job", () => {
  it("shows no node running after a cancel: the WAIT and its loop canceled, what ran done, what never ran pending", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, nappingLoop, "napping");
    const jobId = (await trigger(tenant, "napping")).body.jobId;
    await dispatch(tenant.accountId);
    await runAlarm(jobId);
    expect((await detail(tenant, jobId)).nodeStates).toMatchObject({ each: "running", say: "done", nap: "running", end: "pending" });

    await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(await runToEnd(jobId, 3)).toBe("CANCELED");

    const canceled = await detail(tenant, jobId);
    expect(canceled.nodeStates).toEqual({ start: "done", each: "canceled", say: "done", nap: "canceled", end: "pending" });
    expect(canceled.nodeRuns).toEqual({ start: 1, say: 1 });
    // The runner forgot its engine: the answer comes from the stored checkpoint, and is the same.
    await evictDurableObject(runner(jobId));
    expect(await detail(tenant, jobId)).toMatchObject({ nodeStates: canceled.nodeStates, nodeRuns: canceled.nodeRuns });
  });

  it("shows no node running after a cancel in the middle of a busy loop", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const jobId = (await trigger(tenant, "count", { n: 10_000_000 })).body.jobId;
    await dispatch(tenant.accountId);
    await runAlarm(jobId);
    expect(Object.values((await detail(tenant, jobId)).nodeStates)).toContain("running");

    await call("POST", `/job/cancel/${jobId}`, { key: tenant.solverKey });
    expect(await runToEnd(jobId, 3)).toBe("CANCELED");

    const { nodeStates, nodeRuns } = await detail(tenant, jobId);
    expect(Object.values(nodeStates)).not.toContain("running");
    expect(nodeStates).toMatchObject({ start: "done", init: "done", loop: "canceled", add: "done", end: "pending" });
    expect(nodeRuns.add).toBeGreaterThan(1);
  });

  it("shows both branches of a SWITCH that alternates inside a FOREACH done, with how often each ran", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, alternatingFlow, "alternating");
    const jobId = (await trigger(tenant, "alternating", { items: [1, 2, 3, 4] })).body.jobId;
    await dispatch(tenant.accountId);
    expect(await runToEnd(jobId)).toBe("COMPLETED");

    const { nodeStates, nodeRuns } = await detail(tenant, jobId);
    // The last iteration took `odd`; `even` ran in the first and the third.
    expect(nodeStates).toEqual({ start: "done", each: "done", route: "done", even: "done", odd: "done", end: "done" });
    expect(nodeRuns).toEqual({ start: 1, each: 1, route: 4, even: 2, odd: 2, end: 1 });
  });

  it("shows an ERROR job's failing node, and the loop it failed in, as error and nothing running", async () => {
    const tenant = await createTenant();
    await publishFlow(
      tenant,
      {
        nodes: [
          { id: "start", type: "START", name: "start" },
          { id: "each", type: "FOREACH", name: "each", data: { items: "[1, 2, 3]" } },
          { id: "check", type: "ASSIGN", name: "check", data: { assign: { ok: "each.currentItem = 2 ? $error('item 2 is bad') : true" } } },
          { id: "end", type: "END", name: "end", data: { output: "{}" } },
        ],
        connections: [
          { source: "start", target: "each" },
          { source: "each", target: "check", port: "loop" },
          { source: "each", target: "end", port: "done" },
        ],
      },
      "failing",
    );
    const jobId = (await trigger(tenant, "failing")).body.jobId;
    await dispatch(tenant.accountId);
    expect(await runToEnd(jobId)).toBe("ERROR");

    const { nodeStates, nodeRuns } = await detail(tenant, jobId);
    expect(nodeStates).toEqual({ start: "done", each: "error", check: "error", end: "pending" });
    expect(nodeRuns).toEqual({ start: 1, check: 1 });
  });
});

describe("the API reference", () => {
  it("lists every node state and the run counts in GET /api/jobs/{jobId}", async () => {
    const doc = (await call("GET", "/api/openapi.json")).body;
    const schema = doc.paths["/api/jobs/{jobId}"].get.responses["200"].content["application/json"].schema;
    const properties = schema.properties ?? schema.allOf?.find((part: { properties?: unknown }) => part.properties)?.properties;
    expect(properties.nodeStates.additionalProperties.enum).toEqual(["done", "running", "pending", "skipped", "error", "canceled"]);
    expect(properties.nodeRuns.additionalProperties.type).toBe("integer");
  });
});
