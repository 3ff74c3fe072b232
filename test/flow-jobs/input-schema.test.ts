// A job whose input fails the flow's inputSchema ends ERROR / JOB_VALIDATION_ERROR before any node
// does anything: here, the REST call is never made.
import { describe, expect, it } from "vitest";
import { call, createTenant, getJob, publishFlow, trigger } from "../helpers/api";
import { dispatch, runToEnd } from "../helpers/drive";
import { apiUrl, receivedCount, restFlow } from "./helpers";

describe("inputSchema in a job", () => {
  it("rejects a non-conforming input with JOB_VALIDATION_ERROR and executes no node", async () => {
    const tenant = await createTenant();
    const { name, url } = apiUrl("echo");
    const schema = { type: "object", required: ["customerId"], properties: { customerId: { type: "string" } } };
    await publishFlow(tenant, restFlow({ url: `'${url}'` }, schema), "orders");

    const jobId = (await trigger(tenant, "orders", { customerId: 42 })).body.jobId;
    await dispatch(tenant.accountId);
    expect(await runToEnd(jobId, 5)).toBe("ERROR");

    const job = await getJob(tenant, jobId);
    expect(job.status.code).toBe("JOB_VALIDATION_ERROR");
    expect(job.error).toEqual({ node: "start", message: "The input does not match the flow's inputSchema: input.customerId: must be a string" });
    expect(job.output).toBeNull();
    expect(await receivedCount(name)).toBe(0);
    const detail = await call("GET", `/api/jobs/${jobId}`, { key: tenant.managementKey });
    expect(detail.status).toBe(200);
    expect((await call("GET", `/api/jobs/${jobId}/logs`, { key: tenant.managementKey })).body.items).toEqual([]);
  });

  it("runs the flow for a conforming input", async () => {
    const tenant = await createTenant();
    const { url } = apiUrl("echo");
    await publishFlow(tenant, restFlow({ url: `'${url}'` }, { type: "object", required: ["customerId"] }), "orders");

    const jobId = (await trigger(tenant, "orders", { customerId: "c-1" })).body.jobId;
    await dispatch(tenant.accountId);

    expect(await runToEnd(jobId, 5)).toBe("COMPLETED");
  });
});
