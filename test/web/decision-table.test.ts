// A decision table's page in words: every condition operator, output cells as values or expressions,
// and a stored table missing its lists still readable.
import { describe, expect, it } from "vitest";
import { cellOf, conditionText, outputText, tableOf } from "../../web/src/lib/decision-table";

describe("decision table text", () => {
  it("writes each condition operator as a reader says it", () => {
    expect(conditionText(undefined)).toBe("any");
    expect(conditionText({ op: "ANY" })).toBe("any");
    expect(conditionText({ op: "=", value: "gold" })).toBe('= "gold"');
    expect(conditionText({ op: ">=", value: 100 })).toBe("≥ 100");
    expect(conditionText({ op: "!=", value: null })).toBe("≠ null");
    expect(conditionText({ op: "CONTAINS", value: "x" })).toBe('contains "x"');
    expect(conditionText({ op: "BTW", value: [1, 5] })).toBe("between 1 and 5");
    expect(conditionText({ op: "IN", value: ["gold", "silver"] })).toBe('in "gold", "silver"');
    expect(conditionText({ op: "!IN", value: [1] })).toBe("not in 1");
    expect(conditionText({ op: "NULL" })).toBe("is null");
    expect(conditionText({ op: "!NULL" })).toBe("is not null");
  });

  it("shows output cells as JSON values or as expressions", () => {
    expect(outputText({ value: 0.2 })).toEqual({ text: "0.2", expression: false });
    expect(outputText({ value: { a: "b" } })).toEqual({ text: '{"a":"b"}', expression: false });
    expect(outputText({ expression: "amount * 0.1" })).toEqual({ text: "amount * 0.1", expression: true });
    expect(outputText(undefined)).toEqual({ text: "null", expression: false });
  });

  it("reads a table with lists missing, rows active unless said otherwise, and cells by own key only", () => {
    expect(tableOf(undefined)).toEqual({ hitPolicy: "FIRST_MATCH", inputs: [], outputs: [], rows: [] });
    const table = tableOf({ hitPolicy: "STANDARD", inputs: [], outputs: [], rows: [{}, { active: false, conditions: {} }] });
    expect(table.rows.map((row) => row.active)).toEqual([true, false]);
    expect(cellOf(table.rows[0].conditions, "constructor")).toBeUndefined();
  });
});
