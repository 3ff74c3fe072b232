// BUSINESS_RULE in a job: the runner loads the decision table from D1 in the job's space, by alias or
// id, a published version or the latest published one, with clear errors otherwise (a table, type or
// version that does not exist is refused when the flow is saved: test/rules/references.test.ts).
import { describe, expect, it } from "vitest";
import { addSpace, call, createTenant, getJob, publishFlow, trigger, type Tenant } from "../helpers/api";
import { dispatch, runToEnd } from "../helpers/drive";
import { helloFlow } from "../helpers/flows";

const table = (rate: number) => ({
  hitPolicy: "FIRST_MATCH",
  inputs: [{ id: "segment", expression: "segment" }, { id: "amount", expression: "amount" }],
  outputs: [{ id: "rate", path: "discount.rate" }, { id: "note", path: "discount.note" }],
  rows: [
    { conditions: { segment: { op: "=", value: "gold" }, amount: { op: ">=", value: 100 } }, outputs: { rate: { value: rate }, note: { expression: "'gold, ' & amount" } } },
    { outputs: { rate: { value: 0 }, note: { value: "standard" } } },
  ],
});

const pricingFlow = (rule: string, version: number | "latest" = "latest") => ({
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "rule", type: "BUSINESS_RULE", name: "discount", data: { rule, version, input: "input.order" } },
    { id: "end", type: "END", name: "end", data: { output: "discount.discount" } },
  ],
  connections: [
    { source: "start", target: "rule" },
    { source: "rule", target: "end" },
  ],
});

async function saveTable(tenant: Tenant, definition: unknown) {
  const response = await call("POST", "/api/rules", {
    key: tenant.managementKey,
    body: { name: "Discounts", alias: "discounts", type: "decision-table", definition, publish: true },
  });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.ruleId as string;
}

async function runPricing(tenant: Tenant, flowAlias: string, order: unknown = { segment: "gold", amount: "150" }) {
  const jobId = (await trigger(tenant, flowAlias, { order })).body.jobId;
  await dispatch(tenant.accountId);
  await runToEnd(jobId, 10);
  return getJob(tenant, jobId);
}

describe("BUSINESS_RULE in a job", () => {
  it("evaluates the latest published version by alias; a new published version is used by later jobs", async () => {
    const tenant = await createTenant();
    await saveTable(tenant, table(0.2));
    await publishFlow(tenant, pricingFlow("discounts"), "pricing");

    const first = await runPricing(tenant, "pricing");
    expect(first.status.state).toBe("COMPLETED");
    expect(first.output).toEqual({ rate: 0.2, note: "gold, 150" });

    // A pending version is not "latest"; once published it is.
    const v2 = await call("POST", "/api/rules/discounts/versions", { key: tenant.managementKey, body: { definition: table(0.3) } });
    expect(v2.status).toBe(201);
    expect((await runPricing(tenant, "pricing")).output).toEqual({ rate: 0.2, note: "gold, 150" });
    await call("POST", "/api/rules/discounts/versions/2/publish", { key: tenant.managementKey });
    expect((await runPricing(tenant, "pricing")).output).toEqual({ rate: 0.3, note: "gold, 150" });
  });

  it("evaluates a given version by rule id, and fails naming the node for a version not published", async () => {
    const tenant = await createTenant();
    const ruleId = await saveTable(tenant, table(0.2));
    await call("POST", "/api/rules/discounts/versions", { key: tenant.managementKey, body: { definition: table(0.5) } });
    await publishFlow(tenant, pricingFlow(ruleId, 1), "v1");
    await publishFlow(tenant, pricingFlow("discounts", 2), "v2");

    expect((await runPricing(tenant, "v1")).output).toEqual({ rate: 0.2, note: "gold, 150" });
    const pending = await runPricing(tenant, "v2");
    expect(pending.status).toMatchObject({ state: "ERROR", code: "JOB_EXECUTION_ERROR" });
    expect(pending.error).toEqual({ node: "discount", message: "BUSINESS_RULE 'discount': version 2 of decision table 'discounts' is not published; publish it first" });
  });

  it("does not find a table of another space, nor a flow posing as a table: the flow is refused on save", async () => {
    const tenant = await createTenant();
    await saveTable(tenant, table(0.2));
    const neighbour = await addSpace(tenant.accountId);
    const save = (definition: unknown, alias: string) =>
      call("POST", "/api/rules", { key: neighbour.managementKey, body: { name: alias, alias, type: "integration-flow", definition, publish: true } });

    const elsewhere = await save(pricingFlow("discounts"), "pricing");
    expect([elsewhere.status, elsewhere.body.errors[0].path]).toEqual([422, "definition.nodes[discount].data.rule"]);
    await publishFlow(neighbour, helloFlow, "flow");
    const posing = await save(pricingFlow("flow"), "self");
    expect(posing.body.errors).toEqual([{ path: "definition.nodes[discount].data.rule", message: "is 'flow', an integration flow; a BUSINESS_RULE evaluates a decision table" }]);
  });
});
