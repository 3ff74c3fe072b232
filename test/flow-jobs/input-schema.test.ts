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

  it("applies draft 2020-12 (oneOf, pattern, $ref into $defs): each failing path is listed, a conforming input runs", async () => {
    const tenant = await createTenant();
    const { name, url } = apiUrl("echo");
    const schema = {
      $defs: { customerId: { type: "string", pattern: "^c-\\d+$" } },
      type: "object",
      required: ["customerId", "contact"],
      properties: {
        customerId: { $ref: "#/$defs/customerId" },
        referrer: { $ref: "#/$defs/customerId" },
        contact: { oneOf: [{ type: "string", format: "email" }, { type: "object", required: ["phone"] }] },
      },
    };
    await publishFlow(tenant, restFlow({ url: `'${url}'` }, schema), "orders");

    const rejected = (await trigger(tenant, "orders", { customerId: "42", referrer: "c-x", contact: { email: "a@b.c" } })).body.jobId;
    await dispatch(tenant.accountId);
    expect(await runToEnd(rejected, 5)).toBe("ERROR");
    const job = await getJob(tenant, rejected);
    expect(job.status.code).toBe("JOB_VALIDATION_ERROR");
    expect(job.error).toEqual({
      node: "start",
      message:
        "The input does not match the flow's inputSchema: input.customerId: must match the pattern /^c-\\d+$/; " +
        "input.referrer: must match the pattern /^c-\\d+$/; input.contact: must match exactly one of the schemas in oneOf (it matches none)",
    });
    expect(await receivedCount(name)).toBe(0);

    const accepted = (await trigger(tenant, "orders", { customerId: "c-42", contact: { phone: "+44 20 7946 0000" } })).body.jobId;
    await dispatch(tenant.accountId);
    expect(await runToEnd(accepted, 5)).toBe("COMPLETED");
    expect(await receivedCount(name)).toBe(1);
  });

  it("refuses to save a schema that is not a valid schema (422 naming the place in it)", async () => {
    const tenant = await createTenant();
    const saved = await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: { name: "orders", type: "integration-flow", definition: restFlow({ url: "'https://example.com'" }, { properties: { id: { $ref: "#/$defs/id" } } }) },
    });
    expect(saved.status).toBe(422);
    expect(saved.body.errors).toEqual([{ path: "definition.inputSchema.properties.id.$ref", message: expect.stringContaining("which is not in this schema") }]);
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
