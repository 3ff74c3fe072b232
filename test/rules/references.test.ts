// A flow's BUSINESS_RULE nodes must name a decision table of the same space (by id or alias) and a
// version it has: anything else is refused on save with 422 invalid-definition naming the node,
// instead of failing the first job that reaches it.
import { describe, expect, it } from "vitest";
import { addSpace, call, createTenant, type Tenant } from "../helpers/api";
import { helloFlow } from "../helpers/flows";

const table = {
  hitPolicy: "FIRST_MATCH",
  inputs: [{ id: "segment", expression: "segment" }],
  outputs: [{ id: "rate", path: "rate" }],
  rows: [{ conditions: { segment: { op: "=", value: "gold" } }, outputs: { rate: { value: 0.2 } } }],
};

/** START → one BUSINESS_RULE node per entry of `rules` (named `price`, `price-2`, …) → END. */
const pricing = (...rules: Record<string, unknown>[]) => {
  const names = rules.map((_, index) => (index === 0 ? "price" : `price-${index + 1}`));
  const chain = ["start", ...names, "end"];
  return {
    nodes: [
      { id: "start", type: "START", name: "start" },
      ...rules.map((data, index) => ({ id: names[index], type: "BUSINESS_RULE", name: names[index], data })),
      { id: "end", type: "END", name: "end", data: { output: "input" } },
    ],
    connections: chain.slice(1).map((target, index) => ({ source: chain[index], target })),
  };
};

const save = (tenant: Tenant, definition: unknown, alias?: string) =>
  call("POST", "/api/rules", { key: tenant.managementKey, body: { name: "pricing", alias, type: "integration-flow", definition } });

async function saveTable(tenant: Tenant, alias: string, versions = 1): Promise<string> {
  const created = await call("POST", "/api/rules", { key: tenant.managementKey, body: { name: alias, alias, type: "decision-table", definition: table } });
  expect(created.status).toBe(201);
  for (let version = 2; version <= versions; version++) {
    await call("POST", `/api/rules/${alias}/versions`, { key: tenant.managementKey, body: { definition: table } });
  }
  return created.body.ruleId;
}

async function refusal(response: Awaited<ReturnType<typeof call>>) {
  expect(response.status, JSON.stringify(response.body)).toBe(422);
  expect(response.body.type).toBe("invalid-definition");
  return response.body.errors as { path: string; message: string }[];
}

describe("BUSINESS_RULE references on save", () => {
  it("refuses a decision table that does not exist in the space, naming the node", async () => {
    const tenant = await createTenant();
    await saveTable(tenant, "shipping");

    expect(await refusal(await save(tenant, pricing({ rule: "shiping" })))).toEqual([
      { path: "definition.nodes[price].data.rule", message: "is 'shiping', but no rule of this space has that id or alias; save the decision table first" },
    ]);
  });

  it("refuses a rule that is an integration flow, not a decision table", async () => {
    const tenant = await createTenant();
    const flow = await call("POST", "/api/rules", { key: tenant.managementKey, body: { name: "hello", alias: "hello", type: "integration-flow", definition: helloFlow } });

    const expected = [{ path: "definition.nodes[price].data.rule", message: "is 'hello', an integration flow; a BUSINESS_RULE evaluates a decision table" }];
    expect(await refusal(await save(tenant, pricing({ rule: "hello" })))).toEqual(expected);
    expect(await refusal(await save(tenant, pricing({ rule: flow.body.ruleId })))).toEqual([{ ...expected[0], message: expected[0].message.replace("hello", flow.body.ruleId) }]);
  });

  it("refuses a version the table does not have, and accepts those it has by alias or id", async () => {
    const tenant = await createTenant();
    const id = await saveTable(tenant, "discounts", 2);

    expect(await refusal(await save(tenant, pricing({ rule: "discounts", version: 3 })))).toEqual([
      { path: "definition.nodes[price].data.version", message: "is 3, but decision table 'discounts' has versions 1 to 2" },
    ]);
    // A version saved but not yet published may be published before a job runs: it is accepted.
    const saved = await save(tenant, pricing({ rule: "discounts", version: 2 }, { rule: id, version: 1 }, { rule: "discounts", version: "latest" }, { rule: id }));
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
  });

  it("does not see another space's tables, lists every bad node, and checks a new version too", async () => {
    const tenant = await createTenant();
    await saveTable(tenant, "discounts");
    const neighbour = await addSpace(tenant.accountId);

    expect(await refusal(await save(neighbour, pricing({ rule: "discounts" }, { rule: "nope", version: 2 })))).toEqual([
      { path: "definition.nodes[price].data.rule", message: "is 'discounts', but no rule of this space has that id or alias; save the decision table first" },
      { path: "definition.nodes[price-2].data.rule", message: "is 'nope', but no rule of this space has that id or alias; save the decision table first" },
    ]);

    expect((await save(tenant, pricing({ rule: "discounts" }), "pricing")).status).toBe(201);
    const next = await call("POST", "/api/rules/pricing/versions", { key: tenant.managementKey, body: { definition: pricing({ rule: "discounts", version: 4 }) } });
    expect(await refusal(next)).toEqual([{ path: "definition.nodes[price].data.version", message: "is 4, but decision table 'discounts' has only version 1" }]);
    // A flow cannot call itself as a table either.
    const itself = await call("POST", "/api/rules/pricing/versions", { key: tenant.managementKey, body: { definition: pricing({ rule: "pricing" }) } });
    expect((await refusal(itself))[0].path).toBe("definition.nodes[price].data.rule");
  });

  it("looks up many distinct names at once (more than one D1 statement's worth of bound parameters)", async () => {
    const tenant = await createTenant();
    await saveTable(tenant, "discounts");
    const names = Array.from({ length: 120 }, (_, index) => ({ rule: index === 119 ? "discounts" : `table-${index}` }));

    const errors = await refusal(await save(tenant, pricing(...names)));
    expect(errors).toHaveLength(119);
    expect(errors.map((error) => error.path)).not.toContain("definition.nodes[price-120].data.rule");
  });
});
