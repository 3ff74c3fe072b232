// GET /api/node-types: the designer's palette and inspector forms. Every node type the save accepts
// is listed once, in palette order and group, with the JSON Schema of its data; every expression,
// connector and rule field the save-time checks know of is marked in that schema for the form.
import { describe, expect, it } from "vitest";
import { NODE_HANDLERS } from "../../worker/flow/nodes/index";
import { call, createTenant } from "../helpers/api";

type Schema = Record<string, any>;

/** Data of each type that, together, fill every optional expression and connector field (the checks see only the fields present). */
const FULL_DATA: Record<string, Record<string, unknown>[]> = {
  START: [{}],
  END: [{ output: "{ 'done': true }" }],
  ASSIGN: [{ assign: { total: "$sum(input.items.price)" }, vars: { count: "vars.count + 1" } }],
  SWITCH: [{ cases: [{ when: "input.big", port: "big" }], mode: "all" }],
  FOREACH: [{ items: "input.items", maxIterations: 3, collect: "each.index" }, { while: "vars.more" }],
  LOG: [{ message: "'hello'", level: "warn" }],
  WAIT: [{ seconds: "5" }, { until: "input.at" }],
  BUSINESS_RULE: [{ rule: "tax-table", version: 2, input: "input.order" }],
  REST_API: [{ url: "'https://example.test/' & item", headers: { accept: "'application/json'" }, body: "input", connector: "api", items: "input.ids" }],
  DATABASE_QUERY: [{ connector: "db", sql: "SELECT * FROM t WHERE a = $1", params: ["input.a"], batchSize: 10 }],
  DATABASE_ROW: [{ connector: "db", sql: "SELECT 1 WHERE $1", params: ["input.a"] }],
  DATABASE_EXECUTE: [{ connector: "db", sql: "INSERT INTO t VALUES ($1)", rows: "input.rows" }, { connector: "db", sql: "DELETE FROM t WHERE a = $1", params: ["input.a"] }],
  CODE: [{ code: "return 1;", timeoutMs: 100 }],
};

/** The schema of a save-time field path inside data: "assign.total", "cases[0].when", "params[0]", "url". */
function schemaAt(schema: Schema, field: string): Schema {
  let at = schema;
  for (const part of field.split(/\.|(?=\[)/)) {
    if (part.startsWith("[")) at = at.items;
    else at = at.properties?.[part] ?? at.additionalProperties;
    expect(at, `${field} at ${part}`).toBeDefined();
  }
  return at;
}

async function nodeTypes(key: string) {
  const response = await call("GET", "/api/node-types", { key });
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as {
    items: { type: string; label: string; group: string; description: string; dataSchema: Schema }[];
    groups: { id: string; label: string }[];
  };
}

describe("GET /api/node-types", () => {
  it("needs a management key", async () => {
    const tenant = await createTenant();
    expect((await call("GET", "/api/node-types")).status).toBe(401);
    expect((await call("GET", "/api/node-types", { key: tenant.solverKey })).status).toBe(403);
  });

  it("lists every node type the save accepts once, in palette order and group", async () => {
    const tenant = await createTenant();
    const { items, groups } = await nodeTypes(tenant.managementKey);
    // A handler added to NODE_HANDLERS without a palette entry fails here.
    expect(items.map((item) => item.type).sort()).toEqual(Object.keys(NODE_HANDLERS).sort());
    expect(items.map((item) => [item.group, item.type])).toEqual([
      ["basic", "START"],
      ["basic", "END"],
      ["basic", "ASSIGN"],
      ["basic", "SWITCH"],
      ["basic", "FOREACH"],
      ["basic", "LOG"],
      ["basic", "WAIT"],
      ["rules", "BUSINESS_RULE"],
      ["data", "REST_API"],
      ["data", "DATABASE_QUERY"],
      ["data", "DATABASE_ROW"],
      ["data", "DATABASE_EXECUTE"],
      ["advanced", "CODE"],
    ]);
    expect(groups).toEqual([
      { id: "basic", label: "Basic" },
      { id: "rules", label: "Rules" },
      { id: "data", label: "Data & integrations" },
      { id: "advanced", label: "Advanced" },
    ]);
    for (const item of items) {
      expect(item.label, item.type).toMatch(/^\S/);
      expect(item.description.length, item.type).toBeGreaterThan(10);
      expect(item.dataSchema, item.type).toMatchObject({ type: "object" });
    }
  });

  it("gives each type's data as JSON Schema of its input: required fields, defaults, enums and unions", async () => {
    const tenant = await createTenant();
    const byType = Object.fromEntries((await nodeTypes(tenant.managementKey)).items.map((item) => [item.type, item.dataSchema]));
    expect(byType.REST_API.required).toEqual(["url"]);
    expect(byType.REST_API.properties.timeoutMs).toMatchObject({ type: "integer", maximum: 300_000, default: 30_000 });
    expect(byType.REST_API.properties.failOnError).toMatchObject({ type: "boolean", default: true });
    expect(byType.LOG.properties.level).toMatchObject({ enum: ["info", "warn", "error"], default: "info" });
    expect(byType.SWITCH.properties.cases.items.required).toEqual(["when", "port"]);
    expect(byType.BUSINESS_RULE.properties.version).toMatchObject({ default: "latest", anyOf: [{ type: "integer" }, { const: "latest" }] });
    expect(byType.CODE.properties.timeoutMs).toMatchObject({ minimum: 1, maximum: 10_000, default: 1000 });
    // Input, not output: a field with a default may be left out.
    expect(byType.DATABASE_QUERY.required).toEqual(["connector", "sql"]);
    expect(byType.START.properties ?? {}).toEqual({});
  });

  it("marks every expression, connector, rule and code field the save checks, and keeps each constraint", async () => {
    const tenant = await createTenant();
    const byType = Object.fromEntries((await nodeTypes(tenant.managementKey)).items.map((item) => [item.type, item.dataSchema]));
    let expressions = 0;
    for (const [type, handler] of Object.entries(NODE_HANDLERS)) {
      expect(FULL_DATA, `sample data for ${type}`).toHaveProperty(type);
      if (!handler.dataSchema) continue;
      for (const sample of FULL_DATA[type]) {
        const parsed = handler.dataSchema.parse(sample) as never;
        for (const [field] of handler.expressions?.(parsed) ?? []) {
          expect(schemaAt(byType[type], field), `${type} ${field}`).toMatchObject({ type: "string", format: "jsonata" });
          expressions++;
        }
        for (const [field, , connectorType] of handler.connectors?.(parsed) ?? []) {
          expect(schemaAt(byType[type], field), `${type} ${field}`).toMatchObject({ type: "string", "x-connector": connectorType, minLength: 1 });
        }
      }
    }
    expect(expressions).toBeGreaterThanOrEqual(19);
    expect(byType.REST_API.properties.url).toMatchObject({ format: "jsonata", minLength: 1, description: expect.any(String) });
    expect(byType.DATABASE_QUERY.properties.params.items).toMatchObject({ format: "jsonata", minLength: 1 });
    expect(byType.CODE.properties.code).toMatchObject({ type: "string", format: "javascript", minLength: 1 });
    expect(byType.BUSINESS_RULE.properties.rule).toMatchObject({ type: "string", "x-rule": true, minLength: 1 });
    // SQL is text sent as it is, not an expression.
    expect(byType.DATABASE_ROW.properties.sql).toMatchObject({ type: "string", format: "sql", minLength: 1 });
  });

  it("is in the OpenAPI document", async () => {
    const doc = (await call("GET", "/api/openapi.json")).body;
    const operation = doc.paths["/api/node-types"].get;
    expect(operation.security).toEqual([{ bearer: [] }]);
    expect(operation.responses["200"].content["application/json"].schema).toEqual({ $ref: "#/components/schemas/NodeTypeList" });
    expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(["200", "401", "403"]));
    expect(doc.components.schemas.NodeType.properties.group.enum).toEqual(["basic", "rules", "data", "advanced"]);
    expect(doc.components.schemas.NodeType.properties.dataSchema.description).toContain("jsonata");
  });
});
