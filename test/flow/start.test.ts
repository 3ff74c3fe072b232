// START checks the job input against the flow's inputSchema before anything else runs.
import { describe, expect, it } from "vitest";
import { checkJsonSchema } from "../../worker/flow/json-schema";
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
    expect(run.result.kind === "failed" && run.result.message).toMatch(/^START 'start': the flow's inputSchema is not a valid schema: inputSchema\.type/);
  });
});

describe("the inputSchema subset", () => {
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

  it("ignores keywords outside the subset", () => {
    expect(problems({ $schema: "https://json-schema.org/draft/2020-12/schema", description: "x", additionalProperties: false }, { x: 1 })).toEqual([]);
  });
});
