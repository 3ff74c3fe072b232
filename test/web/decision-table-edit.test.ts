// The decision table editor's steps: columns, rows and cells edited without touching the table they
// start from, cell text read as the value the evaluator compares, and the API's 422 paths placed on
// the cell or column they name. Tables are checked against the worker's own schema, checks and
// evaluator, so the editor cannot drift from what the API accepts and runs.
import { describe, expect, it } from "vitest";
import { evaluateDecisionTable } from "../../worker/decisions/evaluate";
import { DecisionTable, LIST_OPERATORS, SCALAR_OPERATORS, UNARY_OPERATORS } from "../../worker/decisions/table";
import { zodErrors } from "../../worker/rules/paths";
import { checkTable } from "../../worker/rules/table-checks";
import {
  addInput,
  addOutput,
  addRow,
  conditionOf,
  errorTarget,
  formatList,
  formatOutputValue,
  formatScalar,
  moveRow,
  nextColumnId,
  OPERATORS,
  outputCellFromText,
  outputCellText,
  parseList,
  parseOutputValue,
  parseScalar,
  placeErrors,
  removeInput,
  removeOutput,
  removeRow,
  setActive,
  setBound,
  setConditionValue,
  setHitPolicy,
  setOperator,
  setOutputCell,
  setOutputKind,
  toggleActive,
  updateInput,
  updateOutput,
  withOperator,
  type Table,
} from "../../web/src/lib/decision-table-edit";

const discounts = (): Table => ({
  hitPolicy: "FIRST_MATCH",
  inputs: [{ id: "c1", expression: "segment" }, { id: "c2", expression: "amount" }],
  outputs: [{ id: "o1", path: "discount" }],
  rows: [
    { active: true, conditions: { c1: { op: "=", value: "gold" }, c2: { op: ">=", value: 100 } }, outputs: { o1: { value: 0.2 } } },
    { active: true, conditions: { c1: { op: "ANY" } }, outputs: { o1: { expression: "amount * 0" } } },
  ],
});

/** What the API would answer for this definition: the errors of its 422, or none. */
function apiErrors(definition: unknown): { path: string; message: string }[] {
  const parsed = DecisionTable.safeParse(definition);
  return parsed.success ? checkTable(parsed.data) : zodErrors(parsed.error, "definition");
}

describe("decision table edits", () => {
  it("offers exactly the operators the API accepts", () => {
    expect(OPERATORS.map((operator) => operator.op).sort()).toEqual([...UNARY_OPERATORS, ...SCALAR_OPERATORS, ...LIST_OPERATORS, "BTW"].sort());
  });

  it("never changes the table it starts from", () => {
    const table = discounts();
    const before = structuredClone(table);
    let edited = addRow(table);
    edited = setOperator(edited, 0, "c2", "BTW");
    edited = setBound(edited, 0, "c2", 1, 500);
    edited = setOutputCell(edited, 1, "o1", { value: 1 });
    edited = toggleActive(edited, 0);
    edited = updateInput(edited, 0, { id: "segment" });
    edited = removeOutput(moveRow(edited, 0, 2), 0);
    edited = setHitPolicy(edited, "STANDARD");
    expect(table).toEqual(before);
    expect(edited).not.toEqual(before);
  });

  it("adds, renames and removes input and output columns, carrying or dropping the rows' cells", () => {
    let table = addInput(discounts());
    expect(table.inputs[2]).toEqual({ id: "c3", expression: "" });
    table = updateInput(table, 2, { expression: "customer.region" });
    expect(table.inputs[2]).toEqual({ id: "c3", expression: "customer.region" });

    table = updateInput(table, 0, { id: "segment", expression: "customer.segment" });
    expect(table.inputs[0]).toEqual({ id: "segment", expression: "customer.segment" });
    expect(table.rows[0].conditions).toEqual({ segment: { op: "=", value: "gold" }, c2: { op: ">=", value: 100 } });
    expect(() => updateInput(table, 0, { id: "c2" })).toThrow(/already the id/);

    table = removeInput(table, 1);
    expect(table.inputs.map((column) => column.id)).toEqual(["segment", "c3"]);
    expect(table.rows[0].conditions).toEqual({ segment: { op: "=", value: "gold" } });

    table = addOutput(table);
    expect(table.outputs[1]).toEqual({ id: "o2", path: "" });
    table = updateOutput(updateOutput(table, 1, { path: "label" }), 0, { id: "rate" });
    expect(table.outputs).toEqual([{ id: "rate", path: "discount" }, { id: "o2", path: "label" }]);
    expect(table.rows[1].outputs).toEqual({ rate: { expression: "amount * 0" } });
    table = removeOutput(table, 0);
    expect(table.rows.map((row) => row.outputs)).toEqual([{}, {}]);
  });

  it("picks column ids no other column of its kind uses", () => {
    const table = { ...discounts(), inputs: [{ id: "c3", expression: "a" }, { id: "c1", expression: "b" }] };
    expect(nextColumnId(table, "inputs")).toBe("c4");
    expect(nextColumnId(discounts(), "outputs")).toBe("o2");
  });

  it("adds, removes and moves rows, and turns them on and off", () => {
    let table = addRow(discounts());
    expect(table.rows[2]).toEqual({ active: true, conditions: {}, outputs: {} });
    table = addRow(table, 0);
    expect(table.rows[0]).toEqual({ active: true, conditions: {}, outputs: {} });
    table = removeRow(table, 0);
    expect(table.rows).toEqual(addRow(discounts()).rows);

    table = moveRow(table, 2, 0);
    expect(table.rows[0].conditions).toEqual({});
    expect(table.rows[1].conditions.c1).toEqual({ op: "=", value: "gold" });
    expect(moveRow(table, 0, 3)).toBe(table);

    expect(setActive(table, 1, false).rows[1].active).toBe(false);
    expect(toggleActive(toggleActive(table, 1), 1).rows[1].active).toBe(true);
    // A row stored without `active` is active; toggling it turns it off.
    const stored = { ...table, rows: [{ conditions: {}, outputs: {} } as Table["rows"][number]] };
    expect(toggleActive(stored, 0).rows[0].active).toBe(false);
    expect(setHitPolicy(table, "STANDARD").hitPolicy).toBe("STANDARD");
  });

  it("gives each operator its value shape, carrying the value over", () => {
    expect(withOperator({ op: "=", value: 5 }, "BTW")).toEqual({ op: "BTW", value: [5, ""] });
    expect(withOperator({ op: "BTW", value: [1, 9] }, "<")).toEqual({ op: "<", value: 1 });
    expect(withOperator({ op: "BTW", value: [1, 9] }, "IN")).toEqual({ op: "IN", value: [1, 9] });
    expect(withOperator({ op: "IN", value: ["gold", "silver"] }, "!=")).toEqual({ op: "!=", value: "gold" });
    expect(withOperator({ op: "=", value: "gold" }, "NULL")).toEqual({ op: "NULL" });
    expect(withOperator({ op: "ANY" }, "CONTAINS")).toEqual({ op: "CONTAINS", value: "" });
    expect(withOperator({ op: "ANY" }, "!IN")).toEqual({ op: "!IN", value: [] });
    expect(withOperator({ op: "ANY" }, "BTW")).toEqual({ op: "BTW", value: ["", ""] });

    // A column without a condition is ANY.
    const table = setOperator(addRow(discounts()), 2, "c2", "BTW");
    expect(conditionOf(addRow(discounts()).rows[2], "c2")).toEqual({ op: "ANY" });
    expect(table.rows[2].conditions).toEqual({ c2: { op: "BTW", value: ["", ""] } });
    const ranged = setBound(setBound(table, 2, "c2", 0, 120), 2, "c2", 1, 180);
    expect(ranged.rows[2].conditions.c2).toEqual({ op: "BTW", value: [120, 180] });
    // Every operator, with its value set, is a condition the API accepts.
    for (const { op } of OPERATORS) {
      const edited = setOperator(discounts(), 0, "c1", op);
      expect(apiErrors(edited), op).toEqual([]);
    }
  });

  it("sets condition values only in the operator's shape", () => {
    const table = discounts();
    expect(setConditionValue(table, 0, "c1", "silver").rows[0].conditions.c1).toEqual({ op: "=", value: "silver" });
    expect(setConditionValue(setOperator(table, 0, "c1", "IN"), 0, "c1", ["a", 1]).rows[0].conditions.c1).toEqual({ op: "IN", value: ["a", 1] });
    expect(setConditionValue(setOperator(table, 0, "c2", "BTW"), 0, "c2", [1, 2]).rows[0].conditions.c2).toEqual({ op: "BTW", value: [1, 2] });
    expect(setConditionValue(setOperator(table, 0, "c1", "NULL"), 0, "c1", undefined).rows[0].conditions.c1).toEqual({ op: "NULL" });
    expect(() => setConditionValue(table, 0, "c1", ["a"])).toThrow(/one value/);
    expect(() => setConditionValue(setOperator(table, 0, "c2", "BTW"), 0, "c2", [1])).toThrow(/low, high/);
    expect(() => setConditionValue(setOperator(table, 0, "c1", "IN"), 0, "c1", "a")).toThrow(/list/);
    expect(() => setConditionValue(setOperator(table, 0, "c1", "ANY"), 0, "c1", "a")).toThrow(/no value/);
  });

  it("sets output cells as values or expressions, and switches between them keeping the meaning", () => {
    let table = setOutputCell(discounts(), 0, "o1", outputCellFromText("value", "0.25"));
    expect(table.rows[0].outputs.o1).toEqual({ value: 0.25 });
    table = setOutputCell(table, 0, "o1", outputCellFromText("value", ""));
    expect(table.rows[0].outputs).toEqual({});
    table = setOutputCell(table, 0, "o1", outputCellFromText("expression", "amount * 0.1"));
    expect(table.rows[0].outputs.o1).toEqual({ expression: "amount * 0.1" });

    table = setOutputCell(table, 0, "o1", { value: "gold" });
    table = setOutputKind(table, 0, "o1", "expression");
    expect(table.rows[0].outputs.o1).toEqual({ expression: '"gold"' });
    table = setOutputKind(table, 0, "o1", "value");
    expect(table.rows[0].outputs.o1).toEqual({ value: "gold" });
    expect(setOutputKind(removeRow(addRow(table), 0), 1, "o1", "expression").rows[1].outputs.o1).toEqual({ expression: "" });
    expect(outputCellText({ value: { a: 1 } })).toBe('{"a":1}');
    expect(outputCellText({ expression: "x" })).toBe("x");
    expect(outputCellText(undefined)).toBe("");
  });

  it("builds a table the API accepts and the evaluator runs: a BTW row added, an earlier row turned off", async () => {
    let table: Table = { ...discounts(), rows: [{ active: true, conditions: { c2: { op: ">=", value: 100 } }, outputs: { o1: { value: 0.1 } } }] };
    const input = { segment: "silver", amount: 150 };
    expect(await evaluateDecisionTable(DecisionTable.parse(table), input)).toEqual({ discount: 0.1 });

    table = addRow(table);
    table = setOperator(table, 1, "c2", "BTW");
    table = setBound(table, 1, "c2", 0, parseScalar("120"));
    table = setBound(table, 1, "c2", 1, parseScalar("180"));
    table = setOutputCell(table, 1, "o1", outputCellFromText("value", "0.15"));
    table = setActive(table, 0, false);
    expect(apiErrors(table)).toEqual([]);
    expect(table.rows[1].conditions.c2).toEqual({ op: "BTW", value: [120, 180] });
    expect(await evaluateDecisionTable(DecisionTable.parse(table), input)).toEqual({ discount: 0.15 });
    expect(await evaluateDecisionTable(DecisionTable.parse(table), { amount: "200" })).toBeNull();
  });
});

describe("cell text", () => {
  it("reads numbers as numbers only when they parse as the evaluator parses them", () => {
    expect(parseScalar("100")).toBe(100);
    expect(parseScalar("-1.5")).toBe(-1.5);
    expect(parseScalar(".5")).toBe(0.5);
    expect(parseScalar("2e3")).toBe(2000);
    expect(parseScalar(" 7 ")).toBe(7);
    for (const text of ["1e", "0x10", "1,000", "12abc", "", " ", "Infinity", "NaN", "1e999"]) expect(parseScalar(text), text).toBe(text);
  });

  it("reads true, false, null and quoted text, and keeps everything else as typed", () => {
    expect(parseScalar("true")).toBe(true);
    expect(parseScalar("false")).toBe(false);
    expect(parseScalar("null")).toBeNull();
    expect(parseScalar('"100"')).toBe("100");
    expect(parseScalar('"true"')).toBe("true");
    expect(parseScalar('"a \\"b\\""')).toBe('a "b"');
    expect(parseScalar("gold ")).toBe("gold ");
    expect(parseScalar('"unclosed')).toBe('"unclosed');
  });

  it("writes values back as text that reads as the same value", () => {
    for (const value of [100, -1.5, 0, true, false, null, "gold", "100", "true", "null", '"quoted"', "", " 7", "1e", "a, b"]) {
      expect(parseScalar(formatScalar(value)), JSON.stringify(value)).toBe(value);
    }
    expect(formatScalar("100")).toBe('"100"');
    expect(formatScalar("gold")).toBe("gold");
    expect(formatScalar(2000)).toBe("2000");
  });

  it("reads lists separated by commas outside quotes, and writes them back", () => {
    expect(parseList("gold, silver")).toEqual(["gold", "silver"]);
    expect(parseList('1, "a, b", true, "2"')).toEqual([1, "a, b", true, "2"]);
    expect(parseList("gold, ")).toEqual(["gold"]);
    expect(parseList("")).toEqual([]);
    expect(parseList('""')).toEqual([""]);
    for (const list of [["gold", "silver"], [1, "1", "a, b", "", ' x', 'say "hi"', null]]) {
      expect(parseList(formatList(list)), JSON.stringify(list)).toEqual(list);
    }
    expect(formatList(["gold", 5, "a, b"])).toBe('gold, 5, "a, b"');
  });

  it("reads output values as JSON where they are JSON, else as text", () => {
    expect(parseOutputValue("0.2")).toBe(0.2);
    expect(parseOutputValue('{"tier": "gold"}')).toEqual({ tier: "gold" });
    expect(parseOutputValue("[1, 2]")).toEqual([1, 2]);
    expect(parseOutputValue("{not json")).toBe("{not json");
    expect(parseOutputValue("mid")).toBe("mid");
    for (const value of [0.2, "mid", "[1]", "{x", { a: [1] }, [1, "b"], null, true, "0.2"]) {
      expect(parseOutputValue(formatOutputValue(value)), JSON.stringify(value)).toEqual(value);
    }
  });
});

describe("422 errors on the editor", () => {
  it("places the API's own paths on the cell or column they name", () => {
    const table: Table = {
      hitPolicy: "FIRST_MATCH",
      inputs: [{ id: "c1", expression: "segment" }, { id: "c2", expression: "amount >" }, { id: "c3", expression: "" }],
      outputs: [{ id: "o1", path: "discount" }, { id: "o2", path: "discount.rate" }, { id: "o3", path: "label" }],
      rows: [
        { active: true, conditions: { c1: { op: "=", value: "gold" } }, outputs: { o3: { expression: "'a' &" } } },
        { active: true, conditions: {}, outputs: { o1: { expression: "" } } },
      ],
    };
    // The schema's errors come first (the checks run once it passes).
    const shape = apiErrors(table);
    expect(placeErrors(table, shape).unplaced).toEqual([]);
    expect(Object.keys(placeErrors(table, shape).byTarget).sort()).toEqual(["cell:1:o1", "input:2"]);

    const checked = apiErrors({ ...table, inputs: table.inputs.slice(0, 2), rows: [table.rows[0]] });
    const placed = placeErrors(table, checked);
    expect(placed.unplaced).toEqual([]);
    expect(Object.keys(placed.byTarget).sort()).toEqual(["cell:0:o3", "input:1", "output:1"]);
    expect(placed.byTarget["cell:0:o3"][0]).toMatch(/not a valid JSONata expression/);
    expect(placed.byTarget["output:1"][0]).toMatch(/overlaps the path 'discount'/);
  });

  it("names a condition cell by its column id, dots and all, and leaves paths it has no place for", () => {
    const table: Table = {
      hitPolicy: "FIRST_MATCH",
      inputs: [{ id: "a", expression: "x" }, { id: "a.b", expression: "y" }],
      outputs: [{ id: "o1", path: "r" }],
      rows: [{ active: true, conditions: {}, outputs: {} }],
    };
    expect(errorTarget(table, "definition.rows[0].conditions.a.b.value")).toEqual({ kind: "condition", row: 0, column: "a.b" });
    expect(errorTarget(table, "definition.rows[0].conditions.a.value[1]")).toEqual({ kind: "condition", row: 0, column: "a" });
    expect(errorTarget(table, "definition.rows[0].conditions.zz")).toEqual({ kind: "row", row: 0 });
    expect(errorTarget(table, "definition.rows[0].outputs.o1.expression")).toEqual({ kind: "cell", row: 0, column: "o1" });
    expect(errorTarget(table, "definition.rows[0].active")).toEqual({ kind: "row", row: 0 });
    expect(errorTarget(table, "definition.inputs[1].id")).toEqual({ kind: "input", index: 1 });
    expect(errorTarget(table, "definition.outputs[0]")).toEqual({ kind: "output", index: 0 });
    expect(errorTarget(table, "definition.hitPolicy")).toEqual({ kind: "hitPolicy" });
    for (const path of ["definition", "definition.rows", "definition.rows[5].active", "definition.inputs[9].expression", "definition.inputsX[0]", "json.definition"]) {
      expect(errorTarget(table, path), path).toBeUndefined();
    }
    const placed = placeErrors(table, [{ path: "definition", message: "is too big" }, { path: "definition.hitPolicy", message: "bad" }]);
    expect(placed).toEqual({ byTarget: { hitPolicy: ["bad"] }, unplaced: [{ path: "definition", message: "is too big" }] });
  });

  it("places a BTW value the schema refuses on its condition cell", () => {
    const table = { ...discounts(), rows: [{ active: true, conditions: { c2: { op: "BTW", value: [1] } }, outputs: {} }] } as unknown as Table;
    const errors = apiErrors(table);
    expect(errors.length).toBeGreaterThan(0);
    expect(placeErrors(table, errors)).toEqual({ byTarget: { "condition:0:c2": errors.map((error) => error.message) }, unplaced: [] });
  });
});
