// Save-time checks of a decision table (DESIGN.md §7) beyond its shape: unique column ids, output
// paths that do not overwrite each other, rows naming only columns the table has, and expressions
// that compile as JSONata.
import type { DecisionTable } from "../decisions/table";
import { syntaxProblem } from "../flow/expressions";
import type { FieldError } from "../errors";
import { DEFINITION } from "./paths";

export function checkTable(table: DecisionTable): FieldError[] {
  const errors: FieldError[] = [];
  const inputIds = uniqueIds(table.inputs, "inputs", errors);
  const outputIds = uniqueIds(table.outputs, "outputs", errors);

  table.inputs.forEach((column, index) => expression(column.expression, `${DEFINITION}.inputs[${index}].expression`, errors));
  table.outputs.forEach((column, index) => {
    for (const other of table.outputs.slice(0, index)) {
      if (column.path === other.path || column.path.startsWith(`${other.path}.`) || other.path.startsWith(`${column.path}.`)) {
        errors.push({ path: `${DEFINITION}.outputs[${index}].path`, message: `'${column.path}' overlaps the path '${other.path}' of output '${other.id}'` });
      }
    }
  });

  table.rows.forEach((row, index) => {
    const path = `${DEFINITION}.rows[${index}]`;
    for (const id of Object.keys(row.conditions)) {
      if (!inputIds.has(id)) errors.push({ path: `${path}.conditions.${id}`, message: `refers to unknown input column '${id}'; the inputs are ${list(inputIds)}` });
    }
    for (const [id, cell] of Object.entries(row.outputs)) {
      if (!outputIds.has(id)) errors.push({ path: `${path}.outputs.${id}`, message: `refers to unknown output column '${id}'; the outputs are ${list(outputIds)}` });
      if ("expression" in cell) expression(cell.expression, `${path}.outputs.${id}.expression`, errors);
    }
  });
  return errors;
}

function uniqueIds(columns: { id: string }[], field: string, errors: FieldError[]): Set<string> {
  const ids = new Set<string>();
  columns.forEach((column, index) => {
    if (ids.has(column.id)) errors.push({ path: `${DEFINITION}.${field}[${index}].id`, message: `'${column.id}' is used by another column of ${field}` });
    ids.add(column.id);
  });
  return ids;
}

function expression(text: string, path: string, errors: FieldError[]): void {
  const problem = syntaxProblem(text);
  if (problem) errors.push({ path, message: `is not a valid JSONata expression: ${problem}` });
}

function list(ids: Set<string>): string {
  return ids.size === 0 ? "none" : [...ids].join(", ");
}
