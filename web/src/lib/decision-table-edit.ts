// Editing a decision table (DESIGN.md §7) as immutable steps the console's editor takes: columns,
// rows, condition and output cells, and the text a person types into a cell read as a value.
import type { DecisionTable } from "../api/types";

export type Table = DecisionTable;
export type TableRow = Table["rows"][number];
export type Condition = TableRow["conditions"][string];
export type OutputCell = TableRow["outputs"][string];
export type Operator = Condition["op"];
export type Scalar = string | number | boolean | null;
export type HitPolicy = Table["hitPolicy"];

/** Every operator of §7, in the order the picker offers them, with the words it shows. */
export const OPERATORS: readonly { op: Operator; label: string }[] = [
  { op: "ANY", label: "any" },
  { op: "=", label: "=" },
  { op: "!=", label: "≠" },
  { op: "<", label: "<" },
  { op: "<=", label: "≤" },
  { op: ">", label: ">" },
  { op: ">=", label: "≥" },
  { op: "BTW", label: "between" },
  { op: "IN", label: "in" },
  { op: "!IN", label: "not in" },
  { op: "NULL", label: "is null" },
  { op: "!NULL", label: "is not null" },
  { op: "CONTAINS", label: "contains" },
];

export const HIT_POLICIES: readonly { policy: HitPolicy; label: string }[] = [
  { policy: "FIRST_MATCH", label: "First match" },
  { policy: "STANDARD", label: "Standard (every matching row)" },
];

/** What a condition's `value` holds for an operator. */
export type ValueShape = "none" | "scalar" | "range" | "list";

export function valueShape(op: Operator): ValueShape {
  switch (op) {
    case "ANY":
    case "NULL":
    case "!NULL":
      return "none";
    case "BTW":
      return "range";
    case "IN":
    case "!IN":
      return "list";
    default:
      return "scalar";
  }
}

// ---- Text typed into a cell, read as a value ----

/** The evaluator's rule for numbers in text (worker/decisions/operators.ts): "0x10", "1e" or " " stay text. */
const NUMERIC_TEXT = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function numberOf(text: string): number | undefined {
  if (!NUMERIC_TEXT.test(text)) return undefined;
  const number = Number(text);
  // "1e999" is numeric text but no JSON number: it stays text.
  return Number.isFinite(number) ? number : undefined;
}

/** A double-quoted JSON string forces text: `"100"` is the text 100, not the number. */
function quotedText(text: string): string | undefined {
  const trimmed = text.trim();
  if (trimmed.length < 2 || !trimmed.startsWith('"') || !trimmed.endsWith('"')) return undefined;
  try {
    const parsed: unknown = JSON.parse(trimmed);
    return typeof parsed === "string" ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A condition value as typed: a number when the text is one (§7 compares numbers given as strings
 * as numbers, so the table stores what the evaluator would read), `true`/`false`/`null`, a
 * double-quoted string as the text inside, and anything else as the text itself.
 */
export function parseScalar(text: string): Scalar {
  const number = numberOf(text);
  if (number !== undefined) return number;
  const trimmed = text.trim();
  if (trimmed === "true") return true;
  if (trimmed === "false") return false;
  if (trimmed === "null") return null;
  return quotedText(text) ?? text;
}

/** The text that reads back as `value`: text that would read as something else is quoted. */
export function formatScalar(value: Scalar): string {
  if (typeof value !== "string") return String(value);
  return parseScalar(value) === value ? value : JSON.stringify(value);
}

/** `gold, "a, b", 3` → ["gold", "a, b", 3]: commas outside double quotes separate, blanks are dropped. */
export function parseList(text: string): Scalar[] {
  const items: string[] = [];
  let current = "";
  let quoted = false;
  for (let index = 0; index < text.length; index++) {
    const character = text[index];
    if (character === "\\" && quoted && index + 1 < text.length) {
      current += character + text[++index];
      continue;
    }
    if (character === '"') quoted = !quoted;
    if (character === "," && !quoted) {
      items.push(current);
      current = "";
    } else {
      current += character;
    }
  }
  items.push(current);
  return items.map((item) => item.trim()).filter((item) => item !== "").map(parseScalar);
}

export function formatList(values: readonly Scalar[]): string {
  return values
    .map((value) => (typeof value === "string" && (value === "" || /[",]/.test(value) || value !== value.trim()) ? JSON.stringify(value) : formatScalar(value)))
    .join(", ");
}

/** An output cell's value as typed: like a condition value, plus JSON objects and arrays. */
export function parseOutputValue(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      return JSON.parse(trimmed) as unknown;
    } catch {
      return text;
    }
  }
  return parseScalar(text);
}

export function formatOutputValue(value: unknown): string {
  if (value !== null && typeof value === "object") return JSON.stringify(value);
  if (typeof value === "string") return parseOutputValue(value) === value ? value : JSON.stringify(value);
  return String(value ?? null);
}

/** Whether two JSON values are the same (an edit that changes nothing keeps the text as typed). */
export function sameValue(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}

// ---- Columns ----

export type ColumnKind = "inputs" | "outputs";

/** The first of `c1, c2, …` (inputs) or `o1, o2, …` (outputs) no column of that kind uses. */
export function nextColumnId(table: Table, kind: ColumnKind): string {
  const prefix = kind === "inputs" ? "c" : "o";
  const used = new Set(table[kind].map((column) => column.id));
  let number = table[kind].length + 1;
  while (used.has(`${prefix}${number}`)) number++;
  return `${prefix}${number}`;
}

export function addInput(table: Table, column: Partial<Table["inputs"][number]> = {}): Table {
  const id = column.id ?? nextColumnId(table, "inputs");
  assertFreeId(table, "inputs", id);
  return { ...table, inputs: [...table.inputs, { ...column, id, expression: column.expression ?? "" }] };
}

export function addOutput(table: Table, column: Partial<Table["outputs"][number]> = {}): Table {
  const id = column.id ?? nextColumnId(table, "outputs");
  assertFreeId(table, "outputs", id);
  return { ...table, outputs: [...table.outputs, { ...column, id, path: column.path ?? "" }] };
}

/** Removes the column and every row's cell in it. */
export function removeInput(table: Table, index: number): Table {
  const column = table.inputs[index];
  if (!column) return table;
  return {
    ...table,
    inputs: table.inputs.filter((_, at) => at !== index),
    rows: table.rows.map((row) => ({ ...row, conditions: without(row.conditions, column.id) })),
  };
}

export function removeOutput(table: Table, index: number): Table {
  const column = table.outputs[index];
  if (!column) return table;
  return {
    ...table,
    outputs: table.outputs.filter((_, at) => at !== index),
    rows: table.rows.map((row) => ({ ...row, outputs: without(row.outputs, column.id) })),
  };
}

/** Changes an input column's id and/or expression; a new id carries the rows' cells along. */
export function updateInput(table: Table, index: number, change: { id?: string; expression?: string }): Table {
  const column = table.inputs[index];
  if (!column) return table;
  const id = change.id ?? column.id;
  if (id !== column.id) assertFreeId(table, "inputs", id);
  return {
    ...table,
    inputs: table.inputs.map((other, at) => (at === index ? { ...other, id, expression: change.expression ?? other.expression } : other)),
    rows: id === column.id ? table.rows : table.rows.map((row) => ({ ...row, conditions: renamed(row.conditions, column.id, id) })),
  };
}

/** Changes an output column's id and/or path; a new id carries the rows' cells along. */
export function updateOutput(table: Table, index: number, change: { id?: string; path?: string }): Table {
  const column = table.outputs[index];
  if (!column) return table;
  const id = change.id ?? column.id;
  if (id !== column.id) assertFreeId(table, "outputs", id);
  return {
    ...table,
    outputs: table.outputs.map((other, at) => (at === index ? { ...other, id, path: change.path ?? other.path } : other)),
    rows: id === column.id ? table.rows : table.rows.map((row) => ({ ...row, outputs: renamed(row.outputs, column.id, id) })),
  };
}

function assertFreeId(table: Table, kind: ColumnKind, id: string): void {
  // Two columns with one id would share (and lose) their rows' cells.
  if (table[kind].some((column) => column.id === id)) throw new Error(`'${id}' is already the id of a column of ${kind}`);
}

function without<T>(cells: Record<string, T>, id: string): Record<string, T> {
  if (!Object.hasOwn(cells, id)) return cells;
  const { [id]: _removed, ...rest } = cells;
  return rest;
}

function renamed<T>(cells: Record<string, T>, from: string, to: string): Record<string, T> {
  if (!Object.hasOwn(cells, from)) return cells;
  return Object.fromEntries(Object.entries(cells).map(([id, cell]) => [id === from ? to : id, cell]));
}

// ---- Rows ----

/** A row that matches everything and outputs nulls, at `at` (default: the end). */
export function addRow(table: Table, at = table.rows.length): Table {
  const rows = [...table.rows];
  rows.splice(Math.max(0, Math.min(at, rows.length)), 0, { active: true, conditions: {}, outputs: {} });
  return { ...table, rows };
}

export function removeRow(table: Table, index: number): Table {
  if (!table.rows[index]) return table;
  return { ...table, rows: table.rows.filter((_, at) => at !== index) };
}

/** Moves a row to `to` (its index afterwards); the order decides FIRST_MATCH. */
export function moveRow(table: Table, from: number, to: number): Table {
  if (!table.rows[from] || to < 0 || to >= table.rows.length || from === to) return table;
  const rows = [...table.rows];
  const [row] = rows.splice(from, 1);
  rows.splice(to, 0, row);
  return { ...table, rows };
}

export function setActive(table: Table, index: number, active: boolean): Table {
  return updateRow(table, index, (row) => ({ ...row, active }));
}

export function toggleActive(table: Table, index: number): Table {
  return updateRow(table, index, (row) => ({ ...row, active: row.active === false }));
}

export function setHitPolicy(table: Table, hitPolicy: HitPolicy): Table {
  return { ...table, hitPolicy };
}

function updateRow(table: Table, index: number, change: (row: TableRow) => TableRow): Table {
  if (!table.rows[index]) return table;
  return { ...table, rows: table.rows.map((row, at) => (at === index ? change(row) : row)) };
}

// ---- Condition cells ----

/** The condition of a row's input column; a column without one matches anything. */
export function conditionOf(row: TableRow, columnId: string): Condition {
  return Object.hasOwn(row.conditions, columnId) ? row.conditions[columnId] : { op: "ANY" };
}

/** `condition` with another operator, its value carried over into the new operator's shape. */
export function withOperator(condition: Condition, op: Operator): Condition {
  const values = valuesOf(condition);
  switch (valueShape(op)) {
    case "none":
      return { op } as Condition;
    case "scalar":
      return { op, value: values[0] ?? "" } as Condition;
    case "range":
      return { op: "BTW", value: [values[0] ?? "", values[1] ?? ""] };
    case "list":
      return { op, value: values.filter((value) => value !== "") } as Condition;
  }
}

/** The values a condition holds, in order: none, one, the two bounds, or the list. */
function valuesOf(condition: Condition): Scalar[] {
  const value = condition.value as unknown;
  if (valueShape(condition.op) === "none" || value === undefined) return [];
  return (Array.isArray(value) ? value : [value]) as Scalar[];
}

export function setOperator(table: Table, rowIndex: number, columnId: string, op: Operator): Table {
  return updateRow(table, rowIndex, (row) => ({ ...row, conditions: { ...row.conditions, [columnId]: withOperator(conditionOf(row, columnId), op) } }));
}

/** Sets the value of the cell's condition; its shape must be the operator's (none, scalar, [lo, hi], list). */
export function setConditionValue(table: Table, rowIndex: number, columnId: string, value: Scalar | readonly Scalar[] | undefined): Table {
  return updateRow(table, rowIndex, (row) => {
    const { op } = conditionOf(row, columnId);
    return { ...row, conditions: { ...row.conditions, [columnId]: conditionWithValue(op, value) } };
  });
}

function conditionWithValue(op: Operator, value: Scalar | readonly Scalar[] | undefined): Condition {
  const shape = valueShape(op);
  if (shape === "none") {
    if (value !== undefined) throw new Error(`${op} takes no value`);
    return { op } as Condition;
  }
  if (value === undefined) throw new Error(`${op} takes a value`);
  if (!isList(value)) {
    if (shape !== "scalar") throw new Error(shape === "range" ? "BTW takes [low, high]" : `${op} takes a list of values`);
    return { op, value } as Condition;
  }
  if (shape === "scalar") throw new Error(`${op} takes one value`);
  if (shape === "range" && value.length !== 2) throw new Error("BTW takes [low, high]");
  return { op, value: [...value] } as Condition;
}

function isList(value: Scalar | readonly Scalar[]): value is readonly Scalar[] {
  return Array.isArray(value);
}

/** Sets one bound of a BTW condition (0 low, 1 high), keeping the other; another operator becomes BTW. */
export function setBound(table: Table, rowIndex: number, columnId: string, bound: 0 | 1, value: Scalar): Table {
  return updateRow(table, rowIndex, (row) => {
    const [low, high] = withOperator(conditionOf(row, columnId), "BTW").value as [Scalar, Scalar];
    return { ...row, conditions: { ...row.conditions, [columnId]: { op: "BTW", value: bound === 0 ? [value, high] : [low, value] } } };
  });
}

// ---- Output cells ----

export type OutputKind = "value" | "expression";

export function outputCellOf(row: TableRow, columnId: string): OutputCell | undefined {
  return Object.hasOwn(row.outputs, columnId) ? row.outputs[columnId] : undefined;
}

export function outputKind(cell: OutputCell | undefined): OutputKind {
  return cell && "expression" in cell ? "expression" : "value";
}

/** The cell's text as its input shows it: the value read back, or the expression. */
export function outputCellText(cell: OutputCell | undefined): string {
  if (!cell) return "";
  return "expression" in cell ? cell.expression : formatOutputValue(cell.value);
}

/** Sets an output cell (`{ value }` or `{ expression }`); none leaves the column's output null. */
export function setOutputCell(table: Table, rowIndex: number, columnId: string, cell: OutputCell | undefined): Table {
  return updateRow(table, rowIndex, (row) => ({ ...row, outputs: cell === undefined ? without(row.outputs, columnId) : { ...row.outputs, [columnId]: cell } }));
}

/** The cell for text typed as a value (empty: no cell, so null) or as an expression. */
export function outputCellFromText(kind: OutputKind, text: string): OutputCell | undefined {
  if (kind === "expression") return { expression: text };
  return text === "" ? undefined : { value: parseOutputValue(text) };
}

/**
 * The cell as the other kind, meaning kept where it can be: a value becomes its JSON literal (valid
 * JSONata: "gold" → `"gold"`), an expression becomes the value its text reads as.
 */
export function withOutputKind(cell: OutputCell | undefined, kind: OutputKind): OutputCell | undefined {
  if (outputKind(cell) === kind) return cell;
  if (kind === "expression") return { expression: cell && "value" in cell ? JSON.stringify(cell.value ?? null) : "" };
  return outputCellFromText("value", cell && "expression" in cell ? cell.expression : "");
}

export function setOutputKind(table: Table, rowIndex: number, columnId: string, kind: OutputKind): Table {
  const row = table.rows[rowIndex];
  if (!row) return table;
  return setOutputCell(table, rowIndex, columnId, withOutputKind(outputCellOf(row, columnId), kind));
}

// ---- Where the API's 422 errors belong ----

/** A place in the editor an `errors[]` entry names. */
export type ErrorTarget =
  | { kind: "hitPolicy" }
  | { kind: "input"; index: number }
  | { kind: "output"; index: number }
  | { kind: "row"; row: number }
  | { kind: "condition"; row: number; column: string }
  | { kind: "cell"; row: number; column: string };

/** A stable key of a target, to look messages up by. */
export function targetKey(target: ErrorTarget): string {
  switch (target.kind) {
    case "hitPolicy":
      return "hitPolicy";
    case "input":
    case "output":
      return `${target.kind}:${target.index}`;
    case "row":
      return `row:${target.row}`;
    case "condition":
    case "cell":
      return `${target.kind}:${target.row}:${target.column}`;
  }
}

const COLUMN_PATH = /^definition\.(inputs|outputs)\[(\d+)\](?:[.[]|$)/;
const ROW_PATH = /^definition\.rows\[(\d+)\](.*)$/;

/**
 * The place a path of worker/rules/table-checks.ts or of the schema names, e.g.
 * `definition.rows[1].conditions.c2.value` (a condition cell), `definition.inputs[0].expression` (a
 * column); undefined for a path the editor has no place for. Column ids may hold dots, so the id is
 * matched against the table's columns, longest first.
 */
export function errorTarget(table: Table, path: string): ErrorTarget | undefined {
  if (path === "definition.hitPolicy") return { kind: "hitPolicy" };
  const column = COLUMN_PATH.exec(path);
  if (column) {
    const index = Number(column[2]);
    const kind = column[1] === "inputs" ? "input" : "output";
    return index < table[column[1] as ColumnKind].length ? { kind, index } : undefined;
  }
  const rowMatch = ROW_PATH.exec(path);
  if (!rowMatch) return undefined;
  const row = Number(rowMatch[1]);
  if (row >= table.rows.length) return undefined;
  const rest = rowMatch[2];
  for (const [field, kind, columns] of [
    [".conditions.", "condition", table.inputs],
    [".outputs.", "cell", table.outputs],
  ] as const) {
    if (!rest.startsWith(field)) continue;
    const tail = rest.slice(field.length);
    const id = columns
      .map((candidate) => candidate.id)
      .sort((left, right) => right.length - left.length)
      .find((candidate) => tail === candidate || tail.startsWith(`${candidate}.`) || tail.startsWith(`${candidate}[`));
    // A cell of a column the table lacks belongs to the row.
    return id === undefined ? { kind: "row", row } : { kind, row, column: id };
  }
  return { kind: "row", row };
}

export interface PlacedErrors {
  /** Messages by targetKey. */
  byTarget: Record<string, string[]>;
  /** Entries with no place in the editor, shown in a list above it. */
  unplaced: { path: string; message: string }[];
}

export function placeErrors(table: Table, errors: readonly { path: string; message: string }[]): PlacedErrors {
  const placed: PlacedErrors = { byTarget: {}, unplaced: [] };
  for (const error of errors) {
    const target = errorTarget(table, error.path);
    if (!target) {
      placed.unplaced.push(error);
      continue;
    }
    (placed.byTarget[targetKey(target)] ??= []).push(error.message);
  }
  return placed;
}
