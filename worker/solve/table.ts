// Solving a decision table in the request (POST /rule/solve, DESIGN.md §13): the table's evaluator
// (decisions/evaluate.ts) under the strategy the caller asks for, each input's result an array.
import { evaluateDecisionTable } from "../decisions/evaluate";
import type { DecisionTable } from "../decisions/table";
import { Problem } from "../errors";
import { FlowFailure } from "../flow/failure";

/** `X-Strategy`, as the product's Rule Solver API names them; without it the table's own hitPolicy decides. */
export const SOLVE_STRATEGIES = ["STANDARD", "FIRST_MATCH", "ARRAY"] as const;
export type SolveStrategy = (typeof SOLVE_STRATEGIES)[number];

/** A table expression failed on this input (a type error, say): the caller's data or the table must change. The same problem type as a failed decision flow (solve/flow.ts). */
export class TableSolveFailed extends Problem {
  constructor(detail: string) {
    super(422, "solve-failed", "Decision table failed", detail);
  }
}

/**
 * One input's result, always an array (empty when no active row matches):
 * - STANDARD: every matching row's output object, in table order;
 * - FIRST_MATCH: the first matching row's output object alone;
 * - ARRAY: one object shaped like a row's output whose every output path holds the list of that
 *   column's values over the matching rows, in table order.
 */
export async function solveTable(table: DecisionTable, input: unknown, strategy: SolveStrategy): Promise<unknown[]> {
  if (strategy === "FIRST_MATCH") {
    const first = await evaluateDecisionTable({ ...table, hitPolicy: "FIRST_MATCH" }, input);
    return first === null ? [] : [first];
  }
  const matched = (await evaluateDecisionTable({ ...table, hitPolicy: "STANDARD" }, input)) as Record<string, unknown>[];
  if (strategy === "STANDARD" || matched.length === 0) return matched;
  return [byOutputColumn(table, matched)];
}

/** Each input in order, or TableSolveFailed naming the rule, the version and (for bulk data) the input. */
export async function solveTableInputs(
  table: DecisionTable,
  inputs: readonly unknown[],
  strategy: SolveStrategy,
  name: { rule: string; version: number; bulk: boolean },
): Promise<unknown[][]> {
  const results: unknown[][] = [];
  for (const [index, input] of inputs.entries()) {
    try {
      results.push(await solveTable(table, input, strategy));
    } catch (error) {
      if (!(error instanceof FlowFailure)) throw error;
      const which = name.bulk ? ` on data[${index}]` : "";
      throw new TableSolveFailed(`Decision table '${name.rule}' (version ${name.version})${which}: ${error.message}`);
    }
  }
  return results;
}

/** The ARRAY strategy's one object: `prices.base` of each matched row → `{ prices: { base: [3, 5] } }`. */
function byOutputColumn(table: DecisionTable, matched: readonly Record<string, unknown>[]): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const column of table.outputs) {
    const segments = column.path.split(".");
    let parent = result;
    for (const segment of segments.slice(0, -1)) {
      if (typeof parent[segment] !== "object" || parent[segment] === null || Array.isArray(parent[segment])) parent[segment] = {};
      parent = parent[segment] as Record<string, unknown>;
    }
    parent[segments[segments.length - 1]] = matched.map((row) => valueAt(row, segments));
  }
  return result;
}

function valueAt(row: Record<string, unknown>, segments: readonly string[]): unknown {
  let value: unknown = row;
  for (const segment of segments) {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, segment)) return null;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}
