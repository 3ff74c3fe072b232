// POST /rule/solve of a decision table (DESIGN.md §13): single and bulk data, each strategy, by id
// and by alias, latest and pinned versions; the refusals a caller can get (400, 404) as problem+json.
import { beforeAll, describe, expect, it } from "vitest";
import { call, createTenant, type Tenant } from "../helpers/api";

/** Discounts by segment and amount; two rows match a gold customer spending 100 or more. */
const discounts = (gold: number) => ({
  hitPolicy: "STANDARD",
  inputs: [
    { id: "c1", expression: "segment" },
    { id: "c2", expression: "amount" },
  ],
  outputs: [
    { id: "o1", path: "discount" },
    { id: "o2", path: "label.text" },
  ],
  rows: [
    { conditions: { c1: { op: "=", value: "gold" }, c2: { op: ">=", value: 100 } }, outputs: { o1: { value: gold }, o2: { value: "gold" } } },
    { active: false, conditions: {}, outputs: { o1: { value: 0.99 }, o2: { value: "never" } } },
    { conditions: { c2: { op: ">=", value: 50 } }, outputs: { o1: { expression: "amount / 1000" }, o2: { value: "volume" } } },
  ],
});

let tenant: Tenant;
let ruleId: string;
beforeAll(async () => {
  tenant = await createTenant();
  const created = await call("POST", "/api/rules", {
    key: tenant.managementKey,
    body: { name: "discounts", alias: "discounts", type: "decision-table", definition: discounts(0.2), publish: true },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  ruleId = created.body.ruleId;
  // Version 2 published (the latest), version 3 saved but not published.
  for (const [gold, publish] of [[0.3, true], [0.4, false]] as const) {
    const saved = await call("POST", "/api/rules/discounts/versions", { key: tenant.managementKey, body: { definition: discounts(gold), publish } });
    expect(saved.status).toBe(201);
  }
});

const solve = (path: string, body: unknown, headers: Record<string, string> = {}, key = tenant.solverKey) =>
  call("POST", `/rule/solve/${path}`, { key, body, headers });

const gold = { segment: "gold", amount: 200 };
const silver = { segment: "silver", amount: 60 };
const small = { segment: "gold", amount: 10 };

describe("solving a decision table", () => {
  it("answers the table's hit policy (STANDARD: every matching row) for one input, by alias and by id", async () => {
    const byAlias = await solve("discounts", { data: gold });
    expect(byAlias.status, JSON.stringify(byAlias.body)).toBe(200);
    expect(byAlias.body).toEqual([
      { discount: 0.3, label: { text: "gold" } },
      { discount: 0.2, label: { text: "volume" } },
    ]);
    const byId = await solve(ruleId, { data: gold }, {}, tenant.managementKey);
    expect(byId.status).toBe(200);
    expect(byId.body).toEqual(byAlias.body);
  });

  it("solves the latest published version, or the pinned one", async () => {
    const latest = await solve("discounts/latest", { data: gold });
    expect(latest.body[0].discount).toBe(0.3);
    const pinned = await solve("discounts/1", { data: gold });
    expect(pinned.status).toBe(200);
    expect(pinned.body[0].discount).toBe(0.2);
    const byIdPinned = await solve(`${ruleId}/2`, { data: gold });
    expect(byIdPinned.body[0].discount).toBe(0.3);
  });

  it("answers each X-Strategy: STANDARD every match, FIRST_MATCH the first alone, ARRAY the values per output column", async () => {
    const standard = await solve("discounts", { data: gold }, { "x-strategy": "STANDARD" });
    expect(standard.body).toEqual([
      { discount: 0.3, label: { text: "gold" } },
      { discount: 0.2, label: { text: "volume" } },
    ]);
    const first = await solve("discounts", { data: gold }, { "x-strategy": "FIRST_MATCH" });
    expect(first.status).toBe(200);
    expect(first.body).toEqual([{ discount: 0.3, label: { text: "gold" } }]);
    const array = await solve("discounts", { data: gold }, { "x-strategy": "ARRAY" });
    expect(array.status).toBe(200);
    expect(array.body).toEqual([{ discount: [0.3, 0.2], label: { text: ["gold", "volume"] } }]);
    // No row matches: an empty result under every strategy.
    for (const strategy of ["STANDARD", "FIRST_MATCH", "ARRAY"]) {
      const none = await solve("discounts", { data: small }, { "x-strategy": strategy });
      expect({ strategy, body: none.body }).toEqual({ strategy, body: [] });
    }
  });

  it("solves bulk data: one result per input, in order, under the strategy asked for", async () => {
    const bulk = await solve("discounts/1", { data: [gold, small, silver] });
    expect(bulk.status, JSON.stringify(bulk.body)).toBe(200);
    expect(bulk.body).toEqual([
      [
        { discount: 0.2, label: { text: "gold" } },
        { discount: 0.2, label: { text: "volume" } },
      ],
      [],
      [{ discount: 0.06, label: { text: "volume" } }],
    ]);
    const first = await solve("discounts/1", { data: [gold, small, silver] }, { "x-strategy": "FIRST_MATCH" });
    expect(first.body).toEqual([[{ discount: 0.2, label: { text: "gold" } }], [], [{ discount: 0.06, label: { text: "volume" } }]]);
    const array = await solve("discounts/1", { data: [silver, gold] }, { "x-strategy": "ARRAY" });
    expect(array.body).toEqual([[{ discount: [0.06], label: { text: ["volume"] } }], [{ discount: [0.2, 0.2], label: { text: ["gold", "volume"] } }]]);
    expect((await solve("discounts", { data: [] })).body).toEqual([]);
  });

  it("uses FIRST_MATCH as the default of a FIRST_MATCH table", async () => {
    const created = await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: { name: "first", alias: "first-match", type: "decision-table", definition: { ...discounts(0.5), hitPolicy: "FIRST_MATCH" }, publish: true },
    });
    expect(created.status).toBe(201);
    expect((await solve("first-match", { data: gold })).body).toEqual([{ discount: 0.5, label: { text: "gold" } }]);
    expect((await solve("first-match", { data: small })).body).toEqual([]);
    expect((await solve("first-match", { data: gold }, { "x-strategy": "STANDARD" })).body).toHaveLength(2);
  });

  it("echoes X-Correlation-Id, and sends a fresh one when the caller sent none", async () => {
    const echoed = await solve("discounts", { data: gold }, { "x-correlation-id": "order-4711" });
    expect(echoed.headers.get("x-correlation-id")).toBe("order-4711");
    const fresh = await solve("discounts", { data: gold });
    expect(fresh.headers.get("x-correlation-id")).toMatch(/^[0-9a-f-]{36}$/);
    const refused = await solve("discounts/3", { data: gold }, { "x-correlation-id": "order-4712" });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("x-correlation-id")).toBe("order-4712");
  });
});

describe("refused solves", () => {
  it("refuses an unpublished version with 400 rule-not-published, an unknown one with 404", async () => {
    const draft = await solve("discounts/3", { data: gold });
    expect(draft.status).toBe(400);
    expect(draft.headers.get("content-type")).toContain("application/problem+json");
    expect(draft.body.type).toBe("rule-not-published");
    expect(draft.body.detail).toContain("Version 3");
    const missing = await solve("discounts/9", { data: gold });
    expect(missing.status).toBe(404);

    await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: { name: "unpublished", alias: "unpublished", type: "decision-table", definition: discounts(0.1) },
    });
    const none = await solve("unpublished", { data: gold });
    expect(none.status).toBe(400);
    expect(none.body.type).toBe("rule-not-published");
  });

  it("answers 404 for another space's rule, by id and by alias, and for no rule", async () => {
    const other = await createTenant();
    for (const path of ["discounts", ruleId, `${ruleId}/1`, "nope"]) {
      const response = await solve(path, { data: gold }, {}, other.solverKey);
      expect({ path, status: response.status, type: response.body.type }).toEqual({ path, status: 404, type: "rule-not-found" });
    }
  });

  it("refuses a body that is not { data: object | object[] } and an unknown X-Strategy with 400 problem+json", async () => {
    const bodies: unknown[] = ["{not json", "[]", {}, { data: 3 }, { data: "gold" }, { data: null }, { data: [gold, 1] }, { input: gold }];
    for (const body of bodies) {
      const response = await solve("discounts", body);
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(response.headers.get("content-type")).toContain("application/problem+json");
    }
    const strategy = await solve("discounts", { data: gold }, { "x-strategy": "EVALUATE_ALL" });
    expect(strategy.status).toBe(400);
    expect(strategy.headers.get("content-type")).toContain("application/problem+json");
    expect(strategy.body.detail).toContain("x-strategy");
  });

  it("needs a key of the space", async () => {
    const response = await call("POST", "/rule/solve/discounts", { body: { data: gold } });
    expect(response.status).toBe(401);
  });

  it("documents the routes in the OpenAPI document under Solve", async () => {
    const document = (await call("GET", "/api/openapi.json")).body;
    for (const path of ["/rule/solve/{rule}", "/rule/solve/{rule}/{version}"]) {
      expect(document.paths[path].post.tags).toEqual(["Solve"]);
      const parameters = document.paths[path].post.parameters.map((parameter: { name: string }) => parameter.name);
      expect(parameters).toEqual(expect.arrayContaining(["rule", "x-strategy", "x-correlation-id"]));
    }
    expect(document.paths["/api/rules/{rule}"].patch.tags).toEqual(["Rules"]);
    expect(document.components.schemas.Rule.properties.type.enum).toEqual(["integration-flow", "decision-flow", "decision-table"]);
  });
});
