// START checks the job input against the flow's inputSchema before anything else runs.
import { describe, expect, it } from "vitest";
import { checkJsonSchema, formatPath, schemaProblems } from "../../worker/flow/json-schema";
import { edge, flow, node, runFlow } from "./run-flow";

const orderSchema = {
  type: "object",
  required: ["items", "customer"],
  properties: {
    customer: { type: "string" },
    priority: { enum: ["low", "high"] },
    items: {
      type: "array",
      items: { type: "object", required: ["price"], properties: { price: { type: "number", minimum: 0, maximum: 1000 } } },
    },
  },
};

const ordering = flow(
  [node("start", "START"), node("say", "LOG", { message: "'running'" }), node("end", "END", { output: "start" })],
  [edge("start", "say"), edge("say", "end")],
  orderSchema,
);

describe("START", () => {
  it("passes a conforming input on as its output", async () => {
    const order = { customer: "ada", items: [{ price: 3 }], priority: "high" };

    const run = await runFlow(ordering, order);

    expect(run.result).toEqual({ kind: "completed", output: order });
  });

  it("rejects a non-conforming input with JOB_VALIDATION_ERROR listing every problem, and runs nothing else", async () => {
    const run = await runFlow(ordering, { customer: 7, items: [{ price: -1 }, {}], priority: "urgent" });

    expect(run.result).toEqual({
      kind: "failed",
      code: "JOB_VALIDATION_ERROR",
      node: "start",
      message:
        "The input does not match the flow's inputSchema: input.customer: must be a string; " +
        'input.priority: must be one of "low", "high"; input.items[0].price: must be at least 0; input.items[1].price: is required',
    });
    expect(run.logs).toEqual([]);
    expect(run.steps).toBe(1);
    expect(run.engine.nodeStates).toEqual({ start: "error", say: "pending", end: "pending" });
  });

  it("fails the job, not the input, when the inputSchema itself is broken", async () => {
    const broken = flow([node("start", "START")], [], { type: "thing" });

    const run = await runFlow(broken, {});

    expect(run.result).toMatchObject({ kind: "failed", code: "JOB_EXECUTION_ERROR", node: "start" });
    expect(run.result.kind === "failed" && run.result.message).toBe(
      "START 'start': the flow's inputSchema is not a valid schema: inputSchema.type: must match at least one of the schemas in anyOf",
    );
  });
});

describe("inputSchema: JSON Schema draft 2020-12", () => {
  const problems = (schema: Record<string, unknown>, value: unknown) => checkJsonSchema(schema, value, "input");

  it("checks types, integers and unions of types", () => {
    expect(problems({ type: "object" }, [])).toEqual(["input: must be an object"]);
    expect(problems({ type: "integer" }, 1.5)).toEqual(["input: must be an integer"]);
    expect(problems({ type: "integer" }, 2)).toEqual([]);
    expect(problems({ type: ["string", "null"] }, null)).toEqual([]);
    expect(problems({ type: ["string", "null"] }, 1)).toEqual(["input: must be a string or null"]);
  });

  it("checks required and nested properties with readable paths", () => {
    const schema = { type: "object", required: ["a", "odd key"], properties: { a: { type: "object", required: ["b"] } } };

    expect(problems(schema, { a: {} })).toEqual(['input["odd key"]: is required', "input.a.b: is required"]);
  });

  it("checks enum (deep equality), minimum and maximum", () => {
    expect(problems({ enum: [{ a: 1, b: 2 }] }, { b: 2, a: 1 })).toEqual([]);
    expect(problems({ enum: [1, 2] }, 3)).toEqual(["input: must be one of 1, 2"]);
    expect(problems({ minimum: 1, maximum: 2 }, 3)).toEqual(["input: must be at most 2"]);
    expect(problems({ minimum: 1, maximum: 2 }, 0)).toEqual(["input: must be at least 1"]);
  });

  // oneOf, pattern and $ref into $defs: what the old subset ignored is applied now.
  const payment = {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    $defs: {
      sku: { type: "string", pattern: "^[A-Z]{3}-\\d{3}$" },
      card: { type: "object", required: ["card"], properties: { card: { type: "string", pattern: "^\\d{16}$" } }, additionalProperties: false },
      iban: { type: "object", required: ["iban"], properties: { iban: { type: "string", pattern: "^[A-Z]{2}\\d{2}[A-Z0-9]{4,30}$" } }, additionalProperties: false },
    },
    type: "object",
    required: ["lines", "payment"],
    properties: {
      lines: { type: "array", minItems: 1, items: { type: "object", required: ["sku"], properties: { sku: { $ref: "#/$defs/sku" }, quantity: { type: "integer", exclusiveMinimum: 0 } } } },
      payment: { oneOf: [{ $ref: "#/$defs/card" }, { $ref: "#/$defs/iban" }] },
    },
  };

  it("accepts a value matching oneOf, pattern and $ref into $defs", () => {
    expect(problems(payment, { lines: [{ sku: "ABC-123", quantity: 2 }], payment: { card: "4111111111111111" } })).toEqual([]);
    expect(problems(payment, { lines: [{ sku: "XYZ-999" }], payment: { iban: "DE89370400440532013000" } })).toEqual([]);
  });

  it("rejects a value failing them, listing each failing path once", () => {
    const value = { lines: [{ sku: "abc-123", quantity: 0 }, { sku: "ABC-12" }, {}], payment: { card: "4111", iban: "DE89370400440532013000" } };

    expect(problems(payment, value)).toEqual([
      "input.lines[0].sku: must match the pattern /^[A-Z]{3}-\\d{3}$/",
      "input.lines[0].quantity: must be greater than 0",
      "input.lines[1].sku: must match the pattern /^[A-Z]{3}-\\d{3}$/",
      "input.lines[2].sku: is required",
      "input.payment: must match exactly one of the schemas in oneOf (it matches none)",
    ]);
    // Matching both alternatives is as wrong as matching neither.
    const both = { oneOf: [{ type: "integer" }, { minimum: 0 }] };
    expect(problems(both, 3)).toEqual(["input: must match exactly one of the schemas in oneOf (it matches 2)"]);
  });

  it("applies additionalProperties, const, formats and dependentRequired", () => {
    expect(problems({ properties: { a: true }, additionalProperties: false }, { a: 1, "b c": 2 })).toEqual(['input["b c"]: is not allowed here']);
    expect(problems({ const: "v1" }, "v2")).toEqual(['input: must be "v1"']);
    expect(problems({ format: "email" }, "nope")).toEqual(["input: must be a valid email"]);
    expect(problems({ dependentRequired: { card: ["expiry"] } }, { card: "1" })).toEqual(["input.expiry: is required when 'card' is present"]);
  });

  it("ignores keywords it does not know, as draft 2020-12 says", () => {
    expect(problems({ description: "x", "x-ui-order": ["a"], properties: { a: { type: "string" } } }, { a: "ok" })).toEqual([]);
  });
});

describe("inputSchema: the schema itself", () => {
  const invalid = (schema: Record<string, unknown>) => schemaProblems(schema).map((problem) => `${formatPath("inputSchema", problem.path)}: ${problem.message}`);

  it("accepts a valid schema", () => {
    expect(invalid(orderSchema)).toEqual([]);
    expect(invalid({ $schema: "https://json-schema.org/draft/2020-12/schema", $defs: { a: { $anchor: "thing", type: "string" } }, $ref: "#thing" })).toEqual([]);
  });

  it("refuses what the draft 2020-12 meta-schema refuses, naming the place", () => {
    expect(invalid({ type: "thing" })).toEqual(["inputSchema.type: must match at least one of the schemas in anyOf"]);
    expect(invalid({ properties: { a: { minLength: -1 } } })).toEqual(["inputSchema.properties.a.minLength: must be at least 0"]);
    expect(invalid({ pattern: "([a-z" })).toEqual(["inputSchema.pattern: must be a valid regex"]);
    expect(invalid({ items: [{ type: "string" }] })).toEqual(["inputSchema.items: must be an object or a boolean"]);
  });

  it("refuses $refs that lead nowhere or in a circle, and keywords the validator does not implement", () => {
    expect(invalid({ $ref: "#/$defs/missing" })).toEqual([
      "inputSchema.$ref: points to '#/$defs/missing', which is not in this schema (a $ref may point into the schema by JSON pointer, $anchor or $id; other schemas are not fetched)",
    ]);
    expect(invalid({ $ref: "https://example.com/schema.json" })[0]).toMatch(/^inputSchema\.\$ref: points to 'https:\/\/example\.com\/schema\.json'/);
    expect(invalid({ $defs: { a: { $ref: "#/$defs/b" }, b: { allOf: [{ $ref: "#/$defs/a" }] } }, $ref: "#/$defs/a" })).toEqual([
      expect.stringMatching(/leads back to itself through \$ref .* validation would never end$/),
    ]);
    // Recursion through properties looks deeper into the value each time: a tree schema is fine.
    expect(invalid({ $defs: { node: { type: "object", properties: { children: { type: "array", items: { $ref: "#/$defs/node" } } } } }, $ref: "#/$defs/node" })).toEqual([]);
    expect(invalid({ $dynamicAnchor: "meta", type: "object" })).toEqual(["inputSchema.$dynamicAnchor: is not supported by the validator (@cfworker/json-schema); use $ref and $defs"]);
    expect(invalid({ $schema: "http://json-schema.org/draft-07/schema#" })).toEqual([
      "inputSchema.$schema: must be https://json-schema.org/draft/2020-12/schema (or left out): schemas are checked as draft 2020-12",
    ]);
  });
});
