// The example input of a flow's curl line: it must pass the flow's inputSchema as START checks it
// (worker/flow/json-schema.ts, draft 2020-12), preferring the values the schema gives itself.
import { describe, expect, it } from "vitest";
import { checkJsonSchema } from "../../worker/flow/json-schema";
import { exampleInput } from "../../web/src/lib/example-input";

const passes = (schema: Record<string, unknown>) => {
  const example = exampleInput(schema);
  expect(checkJsonSchema(schema, example, "input"), JSON.stringify(example)).toEqual([]);
  return example;
};

describe("exampleInput", () => {
  it("is {} without a schema, or for a schema that requires nothing", () => {
    expect(exampleInput(undefined)).toEqual({});
    expect(passes({})).toEqual({});
    expect(passes({ type: "object", properties: { name: { type: "string" } } })).toEqual({});
  });

  it("fills the required properties of the orders sample, which refuses {}", () => {
    const orders = {
      type: "object",
      required: ["orders"],
      properties: { orders: { type: "array", items: { type: "object", required: ["id", "customerId", "amount"] } } },
    };
    expect(checkJsonSchema(orders, {}, "input")).not.toEqual([]);
    expect(passes(orders)).toEqual({ orders: [] });
    expect(passes({ ...orders, properties: { orders: { ...orders.properties.orders, minItems: 1 } } })).toEqual({ orders: [{ id: {}, customerId: {}, amount: {} }] });
  });

  it("takes examples first, then default, const and the first enum value", () => {
    const example = passes({
      type: "object",
      required: ["a", "b", "c", "d"],
      properties: {
        a: { type: "string", examples: ["Ada"], default: "Grace" },
        b: { type: "integer", default: 5, minimum: 1 },
        c: { const: "fixed" },
        d: { enum: ["gold", "silver"] },
      },
    });
    expect(example).toEqual({ a: "Ada", b: 5, c: "fixed", d: "gold" });
  });

  it("places numbers within their bounds and strings within their length and format", () => {
    const example = passes({
      type: "object",
      required: ["count", "ratio", "negative", "even", "code", "short", "when", "email", "site", "id"],
      properties: {
        count: { type: "integer", minimum: 10 },
        ratio: { type: "number", exclusiveMinimum: 1, maximum: 2 },
        negative: { type: "integer", exclusiveMaximum: 0 },
        even: { type: "integer", minimum: 3, multipleOf: 2 },
        code: { type: "string", minLength: 12 },
        short: { type: "string", maxLength: 3 },
        when: { type: "string", format: "date-time" },
        email: { type: "string", format: "email" },
        site: { type: "string", format: "uri" },
        id: { type: "string", format: "uuid" },
      },
    });
    expect(example).toMatchObject({ count: 10, ratio: 1.5, negative: -1, even: 4, short: "exa" });
    expect((example as { code: string }).code).toHaveLength(12);
  });

  it("builds nested objects and arrays with minItems, and follows $ref, allOf and anyOf", () => {
    const example = passes({
      type: "object",
      required: ["customer", "lines", "flag", "maybe", "either"],
      $defs: { line: { type: "object", required: ["sku", "quantity"], properties: { sku: { type: "string" }, quantity: { type: "integer", minimum: 1 } } } },
      properties: {
        customer: { allOf: [{ type: "object", required: ["name"], properties: { name: { type: "string" } } }, { required: ["tier"], properties: { tier: { enum: ["A", "B"] } } }] },
        lines: { type: "array", minItems: 2, items: { $ref: "#/$defs/line" } },
        flag: { type: "boolean" },
        maybe: { type: ["null", "integer"] },
        either: { anyOf: [{ type: "string", minLength: 2 }, { type: "number" }] },
      },
    });
    expect(example).toEqual({
      customer: { name: "example", tier: "A" },
      lines: [{ sku: "example", quantity: 1 }, { sku: "example", quantity: 1 }],
      flag: true,
      maybe: 1,
      either: "example",
    });
  });
});
