// The OpenAPI document describes a rule's `definition` exactly (every node type with its `data`
// fields, the decision table with its operators), while the save still answers a bad definition
// with its own node-named 422, not an earlier generic refusal of the request schema.
import { describe, expect, it } from "vitest";
import { NODE_HANDLERS } from "../../worker/flow/nodes/index";
import { call, createTenant } from "../helpers/api";

type Schema = Record<string, any>;

async function openApiSchemas(): Promise<{ doc: Schema; schemas: Record<string, Schema> }> {
  const response = await call("GET", "/api/openapi.json");
  expect(response.status).toBe(200);
  return { doc: response.body, schemas: response.body.components.schemas };
}

/** Follows a `$ref` to its component. */
function resolve(schemas: Record<string, Schema>, schema: Schema): Schema {
  const ref: string | undefined = schema.$ref;
  return ref ? schemas[ref.replace("#/components/schemas/", "")] : schema;
}

function requestSchema(doc: Schema, path: string): Schema {
  return doc.paths[path].post.requestBody.content["application/json"].schema;
}

describe("OpenAPI: rule definitions", () => {
  it("describes `definition` of POST /api/rules and POST /api/rules/{rule}/versions as a flow or a decision table", async () => {
    const { doc, schemas } = await openApiSchemas();
    for (const path of ["/api/rules", "/api/rules/{rule}/versions"]) {
      const definition = resolve(schemas, requestSchema(doc, path)).properties.definition;
      expect(definition.oneOf, path).toEqual([
        { $ref: "#/components/schemas/IntegrationFlowDefinition" },
        { $ref: "#/components/schemas/DecisionTableDefinition" },
      ]);
    }
    const flow = schemas.IntegrationFlowDefinition;
    expect(flow.required).toEqual(["nodes", "connections"]);
    expect(Object.keys(flow.properties)).toEqual(["inputSchema", "maxDurationSeconds", "nodes", "connections"]);
    expect(flow.properties.nodes).toMatchObject({ items: { $ref: "#/components/schemas/FlowNode" }, maxItems: 2000 });
    expect(schemas.FlowConnection.properties).toHaveProperty("port");
    expect(schemas.InputSchema).toMatchObject({ type: "object", description: expect.stringContaining("JSON Schema (draft 2020-12)") });
  });

  it("lists every node type as a union discriminated by `type`, each with its data fields", async () => {
    const { schemas } = await openApiSchemas();
    const node = schemas.FlowNode;
    expect(node.discriminator.propertyName).toBe("type");
    expect(Object.keys(node.discriminator.mapping).sort()).toEqual(Object.keys(NODE_HANDLERS).sort());
    const dataOf = (type: string) => resolve(schemas, { $ref: node.discriminator.mapping[type] }).properties.data;

    expect(Object.keys(dataOf("FOREACH").properties)).toEqual(["items", "while", "maxIterations", "collect"]);
    expect(dataOf("REST_API").properties.method).toMatchObject({ enum: ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"], default: "GET" });
    expect(dataOf("REST_API").properties.timeoutMs).toMatchObject({ type: "integer", maximum: 300_000, default: 30_000 });
    expect(dataOf("REST_API").required).toEqual(["url"]);
    expect(dataOf("SWITCH").properties.mode).toMatchObject({ enum: ["first", "all"], default: "first" });
    expect(dataOf("BUSINESS_RULE").properties.version.default).toBe("latest");
    expect(Object.keys(dataOf("ASSIGN").properties)).toEqual(["assign", "vars"]);
    expect(dataOf("WAIT").properties).toHaveProperty("until");
    expect(dataOf("LOG").properties.level.enum).toEqual(["info", "warn", "error"]);
    expect(dataOf("END").properties).toHaveProperty("output");
    // Types that cannot run without data say so; START takes none.
    expect(resolve(schemas, { $ref: node.discriminator.mapping.FOREACH }).required).toContain("data");
    expect(resolve(schemas, { $ref: node.discriminator.mapping.START }).required).not.toContain("data");
    expect(resolve(schemas, { $ref: node.discriminator.mapping.FOREACH }).description).toContain("Ports `loop` and `done`");
  });

  it("describes the decision table with its hit policies and every operator", async () => {
    const { schemas } = await openApiSchemas();
    const table = schemas.DecisionTableDefinition;
    expect(table.properties.hitPolicy.enum).toEqual(["FIRST_MATCH", "STANDARD"]);
    const conditions = table.properties.rows.items.properties.conditions.additionalProperties.oneOf as Schema[];
    const operators = conditions.flatMap((condition) => condition.properties.op.enum);
    expect(operators.sort()).toEqual(["!=", "!IN", "!NULL", "<", "<=", "=", ">", ">=", "ANY", "BTW", "CONTAINS", "IN", "NULL"]);
    expect(table.properties.outputs.items.properties.path.pattern).toBeDefined();
  });

  it("still leaves a bad definition to the save's own checks: 422 invalid-definition naming the node", async () => {
    const tenant = await createTenant();
    const save = (definition: unknown) =>
      call("POST", "/api/rules", { key: tenant.managementKey, body: { name: "x", type: "integration-flow", definition } });

    const unknownType = await save({
      nodes: [
        { id: "start", type: "START", name: "start" },
        { id: "n1", type: "TELEPORT", name: "beam" },
      ],
      connections: [{ source: "start", target: "n1" }],
    });
    expect(unknownType.status).toBe(422);
    expect(unknownType.body.type).toBe("invalid-definition");
    expect(unknownType.body.errors[0].path).toBe("definition.nodes[beam].type");

    const notAnObject = await save("nodes");
    expect(notAnObject.status).toBe(422);
    expect(notAnObject.body.type).toBe("invalid-definition");
  });
});
