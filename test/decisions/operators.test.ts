// Every decision-table operator, including numbers given as strings comparing as numbers.
import { describe, expect, it } from "vitest";
import { matches } from "../../worker/decisions/operators";
import { Condition } from "../../worker/decisions/table";

const holds = (condition: unknown, value: unknown) => matches(Condition.parse(condition), value);

describe("decision table operators", () => {
  it("ANY matches everything, null included", () => {
    for (const value of [null, 0, "", "x", [1], { a: 1 }]) expect(holds({ op: "ANY" }, value)).toBe(true);
  });

  it("= and != compare text as text and numbers as numbers, numeric text included", () => {
    expect(holds({ op: "=", value: "gold" }, "gold")).toBe(true);
    expect(holds({ op: "=", value: "gold" }, "Gold")).toBe(false);
    expect(holds({ op: "=", value: 100 }, "100")).toBe(true);
    expect(holds({ op: "=", value: "1.50" }, 1.5)).toBe(true);
    expect(holds({ op: "=", value: true }, true)).toBe(true);
    expect(holds({ op: "=", value: null }, null)).toBe(true);
    expect(holds({ op: "=", value: 0 }, null)).toBe(false);
    expect(holds({ op: "!=", value: "gold" }, "silver")).toBe(true);
    expect(holds({ op: "!=", value: 5 }, "5")).toBe(false);
    expect(holds({ op: "!=", value: 5 }, null)).toBe(true);
  });

  it("<, <=, >, >= order numbers (also given as strings) and text, and never match values without an order", () => {
    expect(holds({ op: "<", value: 10 }, 9)).toBe(true);
    expect(holds({ op: "<", value: 10 }, 10)).toBe(false);
    expect(holds({ op: "<=", value: 10 }, 10)).toBe(true);
    expect(holds({ op: ">", value: "9" }, "10")).toBe(true); // as numbers, not as text ("10" < "9")
    expect(holds({ op: ">=", value: 100 }, "100.0")).toBe(true);
    expect(holds({ op: ">=", value: 100 }, 99.99)).toBe(false);
    expect(holds({ op: "<", value: "2030-01-01" }, "2029-12-31")).toBe(true);
    expect(holds({ op: ">", value: 1 }, null)).toBe(false);
    expect(holds({ op: ">", value: 1 }, "abc")).toBe(false);
    expect(holds({ op: "<", value: 1 }, { a: 0 })).toBe(false);
    // Text that only looks partly numeric stays text.
    expect(holds({ op: "=", value: 16 }, "0x10")).toBe(false);
    expect(holds({ op: "=", value: 0 }, "")).toBe(false);
  });

  it("BTW is inclusive at both ends", () => {
    const between = { op: "BTW", value: [10, "20"] };
    expect(holds(between, 10)).toBe(true);
    expect(holds(between, "15")).toBe(true);
    expect(holds(between, 20)).toBe(true);
    expect(holds(between, 20.01)).toBe(false);
    expect(holds(between, 9)).toBe(false);
    expect(holds(between, null)).toBe(false);
  });

  it("IN and !IN test membership with the same equality", () => {
    expect(holds({ op: "IN", value: ["gold", "silver"] }, "silver")).toBe(true);
    expect(holds({ op: "IN", value: [1, 2, 3] }, "2")).toBe(true);
    expect(holds({ op: "IN", value: ["gold"] }, "bronze")).toBe(false);
    expect(holds({ op: "!IN", value: ["gold", "silver"] }, "bronze")).toBe(true);
    expect(holds({ op: "!IN", value: [1, 2] }, "1")).toBe(false);
  });

  it("NULL and !NULL test for a missing value", () => {
    expect(holds({ op: "NULL" }, null)).toBe(true);
    expect(holds({ op: "NULL" }, undefined)).toBe(true);
    expect(holds({ op: "NULL" }, "")).toBe(false);
    expect(holds({ op: "!NULL" }, 0)).toBe(true);
    expect(holds({ op: "!NULL" }, null)).toBe(false);
  });

  it("CONTAINS finds text in text (case-sensitive), or a value in a list", () => {
    expect(holds({ op: "CONTAINS", value: "express" }, "next-day express")).toBe(true);
    expect(holds({ op: "CONTAINS", value: "Express" }, "next-day express")).toBe(false);
    expect(holds({ op: "CONTAINS", value: 42 }, "order 42")).toBe(true);
    expect(holds({ op: "CONTAINS", value: "b" }, ["a", "b"])).toBe(true);
    expect(holds({ op: "CONTAINS", value: "x" }, null)).toBe(false);
  });

  it("refuses conditions whose value does not fit the operator", () => {
    expect(Condition.safeParse({ op: "BTW", value: 3 }).success).toBe(false);
    expect(Condition.safeParse({ op: "IN", value: "gold" }).success).toBe(false);
    expect(Condition.safeParse({ op: "LIKE", value: "x" }).success).toBe(false);
    expect(Condition.safeParse({ op: ">", value: { a: 1 } }).success).toBe(false);
  });
});
