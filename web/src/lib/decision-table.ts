// A decision table's definition in words for its page: the hit policy, each condition cell and each
// output cell. Tables are validated when saved, but the page reads them defensively (a table saved
// before a format change must still render, never crash the page).
import type { DecisionTable } from "../api/types";

type Condition = DecisionTable["rows"][number]["conditions"][string];
type OutputCell = DecisionTable["rows"][number]["outputs"][string];

export const HIT_POLICY_TEXT: Record<string, string> = {
  FIRST_MATCH: "First match: the outputs of the first matching row (null when none matches)",
  STANDARD: "Standard: the outputs of every matching row, in table order",
};

const OPERATOR_TEXT: Record<string, string> = { "=": "=", "!=": "≠", "<": "<", "<=": "≤", ">": ">", ">=": "≥", CONTAINS: "contains" };

function literal(value: unknown): string {
  return typeof value === "string" ? `"${value}"` : JSON.stringify(value) ?? "null";
}

/** "any", "= \"gold\"", "≥ 100", "between 1 and 5", "in \"gold\", \"silver\"", "is null". */
export function conditionText(condition: Condition | undefined): string {
  if (!condition || condition.op === "ANY") return "any";
  switch (condition.op) {
    case "NULL":
      return "is null";
    case "!NULL":
      return "is not null";
    case "BTW": {
      const [low, high] = Array.isArray(condition.value) ? condition.value : [];
      return `between ${literal(low)} and ${literal(high)}`;
    }
    case "IN":
    case "!IN": {
      const values = Array.isArray(condition.value) ? condition.value.map(literal).join(", ") : literal(condition.value);
      return `${condition.op === "IN" ? "in" : "not in"} ${values}`;
    }
    default:
      return `${OPERATOR_TEXT[condition.op] ?? condition.op} ${literal(condition.value)}`;
  }
}

/** An output cell: its value as JSON, or its expression (marked, since it is computed per input). */
export function outputText(cell: OutputCell | undefined): { text: string; expression: boolean } {
  if (!cell) return { text: "null", expression: false };
  if ("expression" in cell) return { text: cell.expression, expression: true };
  return { text: JSON.stringify(cell.value) ?? "null", expression: false };
}

/** A row's cell for a column (own keys only: a column id such as "constructor" is not Object's). */
export function cellOf<T>(cells: Record<string, T>, columnId: string): T | undefined {
  return Object.hasOwn(cells, columnId) ? cells[columnId] : undefined;
}

/** The table with every list present, whatever was stored. */
export function tableOf(definition: unknown): DecisionTable {
  const table = (definition ?? {}) as Partial<DecisionTable>;
  return {
    hitPolicy: table.hitPolicy ?? "FIRST_MATCH",
    inputs: Array.isArray(table.inputs) ? table.inputs : [],
    outputs: Array.isArray(table.outputs) ? table.outputs : [],
    rows: (Array.isArray(table.rows) ? table.rows : []).map((row) => ({ ...row, active: row.active !== false, conditions: row.conditions ?? {}, outputs: row.outputs ?? {} })),
  };
}
