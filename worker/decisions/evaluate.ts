// Evaluates a decision table over a BUSINESS_RULE input: a pure function of (table, input), so the
// same table gives the same answer in a flow, a test, or a preview in the console.
import { evaluateExpression, toPlainJson } from "../flow/expressions";
import { matches } from "./operators";
import type { DecisionTable, Row } from "./table";

/** Tables see only their input: no `$job` or other flow bindings. */
const NO_BINDINGS = {};

/**
 * FIRST_MATCH: the first matching active row's outputs as an object, or null when none matches.
 * STANDARD: the outputs of every matching active row, in table order.
 */
export async function evaluateDecisionTable(table: DecisionTable, input: unknown): Promise<unknown> {
  // JSONata evaluates over objects and arrays; a scalar input is still usable as `$`.
  const context = (toPlainJson(input) ?? {}) as object;
  const values = new Map<string, unknown>();
  for (const column of table.inputs) {
    values.set(column.id, await evaluateExpression(column.expression, `inputs.${column.id}.expression`, context, NO_BINDINGS));
  }
  const matched: Record<string, unknown>[] = [];
  for (const row of table.rows) {
    if (!row.active || !rowMatches(row, values)) continue;
    matched.push(await outputsOf(table, row, context));
    if (table.hitPolicy === "FIRST_MATCH") return matched[0];
  }
  return table.hitPolicy === "FIRST_MATCH" ? null : matched;
}

function rowMatches(row: Row, values: Map<string, unknown>): boolean {
  for (const [columnId, condition] of Object.entries(row.conditions)) {
    if (!matches(condition, values.get(columnId))) return false;
  }
  return true;
}

async function outputsOf(table: DecisionTable, row: Row, context: object): Promise<Record<string, unknown>> {
  const result: Record<string, unknown> = {};
  for (const column of table.outputs) {
    const cell = Object.hasOwn(row.outputs, column.id) ? row.outputs[column.id] : undefined;
    let value: unknown = null;
    if (cell && "expression" in cell) {
      value = await evaluateExpression(cell.expression, `outputs.${column.id}.expression`, context, NO_BINDINGS);
    } else if (cell) {
      value = toPlainJson(cell.value);
    }
    setPath(result, column.path, value);
  }
  return result;
}

/** `prices.base` = 3 → `{ prices: { base: 3 } }`, next to whatever `prices` already holds. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const segments = path.split(".");
  let parent = target;
  for (const segment of segments.slice(0, -1)) {
    const next = parent[segment];
    if (typeof next !== "object" || next === null || Array.isArray(next)) parent[segment] = {};
    parent = parent[segment] as Record<string, unknown>;
  }
  parent[segments[segments.length - 1]] = value;
}
