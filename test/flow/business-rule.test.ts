// BUSINESS_RULE: loads a decision table through the host, evaluates it over `input`, and its result
// is the node's output; a missing table or host fails the node with a clear message.
import { describe, expect, it } from "vitest";
import { FlowFailure } from "../../worker/flow/failure";
import { edge, flow, node, runFlow } from "./run-flow";

const discounts = {
  hitPolicy: "FIRST_MATCH",
  inputs: [
    { id: "segment", expression: "customer.segment" },
    { id: "total", expression: "$sum(items.price)" },
  ],
  outputs: [
    { id: "rate", path: "discount.rate" },
    { id: "label", path: "discount.label" },
  ],
  rows: [
    { conditions: { segment: { op: "=", value: "gold" }, total: { op: ">=", value: 100 } }, outputs: { rate: { value: 0.2 }, label: { expression: "'gold ' & customer.name" } } },
    { conditions: { segment: { op: "ANY" } }, outputs: { rate: { value: 0 }, label: { value: "none" } } },
  ],
};

/** A host holding one table per "rule@version"; any other request fails as the runner's would. */
const host = (tables: Record<string, unknown>, asked: string[] = []) => ({
  async loadDecisionTable(rule: string, version: number | "latest") {
    asked.push(`${rule}@${version}`);
    const table = tables[`${rule}@${version}`];
    if (!table) throw new FlowFailure(`no decision table '${rule}' in this space (looked up by id and alias)`);
    return table;
  },
});

const pricing = (data: Record<string, unknown>) =>
  flow(
    [
      node("start", "START"),
      node("price", "BUSINESS_RULE", data),
      node("end", "END", { output: "{ 'rate': price.discount.rate, 'label': price.discount.label }" }),
    ],
    [edge("start", "price"), edge("price", "end")],
  );

const order = { customer: { name: "Ada", segment: "gold" }, items: [{ price: 60 }, { price: 50 }] };

describe("BUSINESS_RULE", () => {
  it("evaluates the latest published table over the job input by default; the result is addressable by name", async () => {
    const asked: string[] = [];
    const run = await runFlow(pricing({ rule: "discounts" }), order, { services: host({ "discounts@latest": discounts }, asked) });

    expect(run.result).toEqual({ kind: "completed", output: { rate: 0.2, label: "gold Ada" } });
    expect(asked).toEqual(["discounts@latest"]);
    expect(run.logs).toEqual([{ level: "info", node: "price", message: "decision table 'discounts' (latest published version): a row matched" }]);
  });

  it("asks for the version given, and evaluates over the `input` expression", async () => {
    const asked: string[] = [];
    const definition = pricing({ rule: "discounts", version: 2, input: "{ 'customer': { 'segment': 'basic' }, 'items': input.items }" });

    const run = await runFlow(definition, order, { services: host({ "discounts@2": discounts }, asked) });

    expect(run.result).toEqual({ kind: "completed", output: { rate: 0, label: "none" } });
    expect(asked).toEqual(["discounts@2"]);
  });

  it("outputs a list for a STANDARD table", async () => {
    const standard = { ...discounts, hitPolicy: "STANDARD" };
    const definition = flow(
      [node("start", "START"), node("price", "BUSINESS_RULE", { rule: "discounts" }), node("end", "END", { output: "price.discount.rate" })],
      [edge("start", "price"), edge("price", "end")],
    );

    const run = await runFlow(definition, order, { services: host({ "discounts@latest": standard }) });

    expect(run.result).toEqual({ kind: "completed", output: [0.2, 0] });
  });

  it("fails naming the node when the host has no such table", async () => {
    const run = await runFlow(pricing({ rule: "missing" }), order, { services: host({}) });

    expect(run.result).toEqual({
      kind: "failed",
      code: "JOB_EXECUTION_ERROR",
      node: "price",
      message: "BUSINESS_RULE 'price': no decision table 'missing' in this space (looked up by id and alias)",
    });
  });

  it("fails naming the table and column when an expression of the table fails", async () => {
    const broken = { ...discounts, inputs: [{ id: "segment", expression: "$number(customer.segment)" }] };

    const run = await runFlow(pricing({ rule: "discounts" }), order, { services: host({ "discounts@latest": broken }) });

    expect(run.result).toMatchObject({ kind: "failed", node: "price" });
    expect((run.result as { message: string }).message).toMatch(/^BUSINESS_RULE 'price': decision table 'discounts' \(latest published version\): inputs\.segment\.expression: /);
  });

  it("fails clearly when the host cannot load tables", async () => {
    const run = await runFlow(pricing({ rule: "discounts" }), order);

    expect(run.result).toMatchObject({ kind: "failed", message: "BUSINESS_RULE 'price': this host cannot load decision tables" });
  });
});
