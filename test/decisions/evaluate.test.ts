// Evaluating whole tables: hit policies, inactive rows, dotted output paths, output expressions.
import { describe, expect, it } from "vitest";
import { evaluateDecisionTable } from "../../worker/decisions/evaluate";
import { DecisionTable } from "../../worker/decisions/table";

const discounts = (hitPolicy: string, rows: unknown[]) =>
  DecisionTable.parse({
    hitPolicy,
    inputs: [
      { id: "c1", expression: "segment" },
      { id: "c2", expression: "amount" },
    ],
    outputs: [
      { id: "o1", path: "discount" },
      { id: "o2", path: "prices.base" },
      { id: "o3", path: "prices.currency" },
    ],
    rows,
  });

const rows = [
  {
    conditions: { c1: { op: "=", value: "gold" }, c2: { op: ">=", value: 100 } },
    outputs: { o1: { value: 0.2 }, o2: { expression: "$number(amount) * 0.8" }, o3: { value: "EUR" } },
  },
  { conditions: { c1: { op: "IN", value: ["gold", "silver"] } }, outputs: { o1: { value: 0.1 }, o2: { expression: "amount * 0.9" } } },
  { conditions: { c1: { op: "ANY" } }, outputs: { o1: { expression: "amount * 0" } } },
];

describe("evaluateDecisionTable", () => {
  it("FIRST_MATCH returns the first matching row's outputs, dotted paths nested", async () => {
    const table = discounts("FIRST_MATCH", rows);

    expect(await evaluateDecisionTable(table, { segment: "gold", amount: "150" })).toEqual({
      discount: 0.2,
      prices: { base: 120, currency: "EUR" },
    });
    expect(await evaluateDecisionTable(table, { segment: "gold", amount: 50 })).toEqual({
      discount: 0.1,
      prices: { base: 45, currency: null },
    });
    expect(await evaluateDecisionTable(table, { segment: "bronze", amount: 50 })).toEqual({
      discount: 0,
      prices: { base: null, currency: null },
    });
  });

  it("FIRST_MATCH returns null when no row matches", async () => {
    const table = discounts("FIRST_MATCH", rows.slice(0, 2));
    expect(await evaluateDecisionTable(table, { segment: "bronze", amount: 50 })).toBeNull();
  });

  it("STANDARD returns every matching row's outputs in table order, or an empty list", async () => {
    const table = discounts("STANDARD", rows);
    const all = await evaluateDecisionTable(table, { segment: "gold", amount: 200 });
    expect(all).toEqual([
      { discount: 0.2, prices: { base: 160, currency: "EUR" } },
      { discount: 0.1, prices: { base: 180, currency: null } },
      { discount: 0, prices: { base: null, currency: null } },
    ]);
    expect(await evaluateDecisionTable(discounts("STANDARD", rows.slice(0, 1)), { segment: "none" })).toEqual([]);
  });

  it("skips inactive rows", async () => {
    const table = discounts("FIRST_MATCH", [{ ...rows[0], active: false }, ...rows.slice(1)]);
    expect(await evaluateDecisionTable(table, { segment: "gold", amount: 150 })).toMatchObject({ discount: 0.1 });
  });

  it("treats a column without a condition as matching anything, and a missing input as null", async () => {
    const table = discounts("FIRST_MATCH", [
      { conditions: { c2: { op: "NULL" } }, outputs: { o1: { value: "no amount" } } },
      { outputs: { o1: { value: "fallback" } } },
    ]);
    expect(await evaluateDecisionTable(table, { segment: "gold" })).toMatchObject({ discount: "no amount" });
    expect(await evaluateDecisionTable(table, { amount: 3 })).toMatchObject({ discount: "fallback" });
  });

  it("evaluates input columns as JSONata over the input, so columns can compute", async () => {
    const table = DecisionTable.parse({
      hitPolicy: "FIRST_MATCH",
      inputs: [{ id: "total", expression: "$sum(items.price)" }],
      outputs: [{ id: "shipping", path: "shipping" }],
      rows: [
        { conditions: { total: { op: "BTW", value: [0, 49.99] } }, outputs: { shipping: { value: 4.9 } } },
        { conditions: { total: { op: ">=", value: 50 } }, outputs: { shipping: { value: 0 } } },
      ],
    });
    expect(await evaluateDecisionTable(table, { items: [{ price: 20 }, { price: 10 }] })).toEqual({ shipping: 4.9 });
    expect(await evaluateDecisionTable(table, { items: [{ price: 40 }, { price: 10 }] })).toEqual({ shipping: 0 });
  });

  it("fails with the column named when an expression fails", async () => {
    const table = DecisionTable.parse({
      hitPolicy: "FIRST_MATCH",
      inputs: [{ id: "c1", expression: "$number(code)" }],
      outputs: [{ id: "o1", path: "x" }],
      rows: [],
    });
    await expect(evaluateDecisionTable(table, { code: "abc" })).rejects.toThrow(/inputs\.c1\.expression/);
  });
});
