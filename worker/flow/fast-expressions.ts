// A fast path for the simplest JSONata expressions, which are most of a flow's steps: paths of
// plain names (`vars.i`, `input.customer.name`, `$job.id`, `input.orders.amount`), with JSONata's
// sequence semantics when a path meets arrays; literals; arithmetic; comparisons; `and`/`or`;
// `&`; `? :`; object constructors with literal keys; and one-argument `$count`, `$sum`, `$string`,
// `$number` and `$exists`. The AST JSONata parsed is turned into plain synchronous closures once;
// JSONata's own evaluator is async at every node.
//
// It never decides anything JSONata might decide differently: an AST node with any property not
// listed here is not compiled (the expression always goes to JSONata), and at run time anything
// outside the plain cases — an inherited name on a path, a value JSONata treats as a function, a
// type JSONata would reject, a non-finite number, a binding that shadows a built-in function —
// throws BAIL, and the caller evaluates the expression with JSONata instead. So a result from
// here is always JSONata's result (after toPlainJson).
import type jsonata from "jsonata";
import { isTruthy } from "./truthiness";

export type FastExpression = (context: Record<string, unknown>, bindings: Record<string, unknown>) => unknown;

/** Thrown (never returned) when an evaluation leaves the plain cases; the caller asks JSONata. */
export const BAIL: unique symbol = Symbol("bail to JSONata");

/** An AST node as JSONata builds it (its published type lacks some node kinds, e.g. "path"). */
type Node = Record<string, unknown> & { type: string };

/** Compiles `ast` to a closure, or returns null when any part of it is outside the fast subset. */
export function compileFast(ast: jsonata.ExprNode): FastExpression | null {
  return build(ast as unknown as Node);
}

function hasOnly(node: object, keys: readonly string[]): boolean {
  for (const key of Object.keys(node)) if (!keys.includes(key)) return false;
  return true;
}

const LITERAL_KEYS = ["type", "value", "position"] as const;
const BINARY_KEYS = ["type", "value", "position", "lhs", "rhs"] as const;
// The parser also gives a call a `name` key, always undefined for a call.
const FUNCTION_KEYS = ["type", "name", "value", "position", "arguments", "procedure"] as const;

function build(node: Node): FastExpression | null {
  switch (node.type) {
    case "number":
    case "string":
    case "value": {
      if (!hasOnly(node, LITERAL_KEYS)) return null;
      const value = node.value;
      return () => value;
    }
    case "path":
      return buildPath(node);
    case "binary":
      return hasOnly(node, BINARY_KEYS) ? buildBinary(node) : null;
    case "unary":
      if (node.value === "-" && hasOnly(node, ["type", "value", "position", "expression"])) return buildNegation(node);
      if (node.value === "{" && hasOnly(node, ["type", "value", "position", "lhs"])) return buildObject(node);
      return null;
    case "condition":
      return hasOnly(node, ["type", "position", "condition", "then", "else"]) ? buildCondition(node) : null;
    case "function":
      return node.value === "(" && node.name === undefined && hasOnly(node, FUNCTION_KEYS) ? buildFunction(node) : null;
    default:
      return null;
  }
}

// ---------------------------------------------------------------------------------------------
// Paths

/** `a.b.c` or `$var.b.c`: each step a plain name, no predicates, stages or array flags. */
function buildPath(node: Node): FastExpression | null {
  if (!hasOnly(node, ["type", "steps"])) return null;
  const steps = node.steps as Node[];
  if (!Array.isArray(steps) || steps.length === 0) return null;
  for (const [index, step] of steps.entries()) {
    if (!hasOnly(step, LITERAL_KEYS) || typeof step.value !== "string") return null;
    if (step.type === "variable" ? index > 0 || step.value === "" : step.type !== "name") return null;
  }
  const names = steps.map((step) => step.value as string);
  if (steps[0].type === "variable") {
    const name = names[0];
    return (_context, bindings) => {
      // Only the job's own bindings; `$string` and other built-in functions go to JSONata.
      if (!Object.hasOwn(bindings, name)) throw BAIL;
      return walk(bindings[name], names, 1);
    };
  }
  return (context) => {
    // JSONata wraps an array document in a sequence of its own; not a flow's context.
    if (Array.isArray(context)) throw BAIL;
    return walk(context, names, 0);
  };
}

/**
 * The steps `names[from..]` from `value`, a single item. While the value is a single object this
 * is one property read a step; the first array met switches to JSONata's sequence semantics.
 */
function walk(value: unknown, names: readonly string[], from: number): unknown {
  for (let index = from; index < names.length; index++) {
    if (value === null || typeof value !== "object") return undefined;
    if (Array.isArray(value)) return overSequence(value, names, index);
    value = member(value, names[index]);
  }
  // The last step's value, an array included (JSONata returns a single array result as it is).
  if (typeof value === "function") throw BAIL;
  return value;
}

/** One name on a single non-array object, as JSONata's lookup does it. */
function member(value: object, name: string): unknown {
  // JSONata's lookup sees nothing in a value it takes for a function.
  if (isFunctionValue(value)) throw BAIL;
  if (Object.hasOwn(value, name)) return (value as Record<string, unknown>)[name];
  // An inherited name (`constructor`, `toString`): leave it to JSONata.
  if (name in value) throw BAIL;
  return undefined;
}

/**
 * JSONata's evaluatePath from step `from` over an input sequence `items` (the flattened result of
 * the step before): each step maps over the items (evaluateStep), a step whose single result is
 * an array is the path's value when it is the last one, otherwise results are flattened one
 * level; an empty sequence ends the path; the final sequence is unwrapped (0 items: nothing,
 * 1: the item, more: the array).
 */
function overSequence(items: readonly unknown[], names: readonly string[], from: number): unknown {
  for (let index = from; index < names.length; index++) {
    const name = names[index];
    const results: unknown[] = [];
    for (let at = 0; at < items.length; at++) {
      const result = stepOn(items[at], name);
      if (result !== undefined) results.push(result);
    }
    if (index === names.length - 1 && results.length === 1 && Array.isArray(results[0])) return results[0];
    const next: unknown[] = [];
    for (let at = 0; at < results.length; at++) pushFlat(next, results[at]);
    if (next.length === 0) return undefined;
    items = next;
  }
  return items.length === 1 ? items[0] : items;
}

/** `evaluate(nameStep, item)`: lookup, then a sequence unwrapped (0 items: nothing, 1: the item). */
function stepOn(item: unknown, name: string): unknown {
  if (item === null || typeof item !== "object") return undefined;
  if (!Array.isArray(item)) return member(item, name);
  const found: unknown[] = [];
  lookupAll(item, name, found);
  return found.length === 0 ? undefined : found.length === 1 ? found[0] : found;
}

/** JSONata's lookup on an array: each item's value, arrays among them flattened one level, into `found`. */
function lookupAll(array: readonly unknown[], name: string, found: unknown[]): void {
  for (let at = 0; at < array.length; at++) {
    const item = array[at];
    if (item === null || typeof item !== "object") continue;
    if (Array.isArray(item)) {
      lookupAll(item, name, found);
      continue;
    }
    const value = member(item, name);
    if (value !== undefined) pushFlat(found, value);
  }
}

function pushFlat(into: unknown[], value: unknown): void {
  if (!Array.isArray(value)) {
    into.push(value);
    return;
  }
  for (let at = 0; at < value.length; at++) into.push(value[at]);
}

// ---------------------------------------------------------------------------------------------
// Operators

const ARITHMETIC: Record<string, (a: number, b: number) => number> = {
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "*": (a, b) => a * b,
  "/": (a, b) => a / b,
  "%": (a, b) => a % b,
};

const ORDERING: Record<string, (a: number | string, b: number | string) => boolean> = {
  "<": (a, b) => a < b,
  "<=": (a, b) => a <= b,
  ">": (a, b) => a > b,
  ">=": (a, b) => a >= b,
};

function buildBinary(node: Node): FastExpression | null {
  const left = build(node.lhs as Node);
  const right = build(node.rhs as Node);
  if (!left || !right) return null;
  const operator = node.value as string;
  const arithmetic = ARITHMETIC[operator];
  if (arithmetic) {
    return (context, bindings) => {
      const a = left(context, bindings);
      const b = right(context, bindings);
      if (typeof a === "number" && typeof b === "number") return finite(arithmetic(a, b));
      // No value on either side gives no value, once both sides are numbers or nothing.
      if ((a === undefined || typeof a === "number") && (b === undefined || typeof b === "number")) return undefined;
      throw BAIL;
    };
  }
  const ordering = ORDERING[operator];
  if (ordering) {
    return (context, bindings) => {
      const a = left(context, bindings);
      const b = right(context, bindings);
      if ((typeof a === "number" && typeof b === "number") || (typeof a === "string" && typeof b === "string")) return ordering(a, b);
      throw BAIL;
    };
  }
  switch (operator) {
    case "=":
    case "!=": {
      const equal = operator === "=";
      return (context, bindings) => {
        const a = left(context, bindings);
        const b = right(context, bindings);
        if (a === undefined || b === undefined) return false;
        if (isScalar(a) && isScalar(b)) return (a === b) === equal;
        throw BAIL;
      };
    }
    case "and":
      return (context, bindings) => truthy(left(context, bindings)) && truthy(right(context, bindings));
    case "or":
      return (context, bindings) => truthy(left(context, bindings)) || truthy(right(context, bindings));
    case "&":
      return (context, bindings) => text(left(context, bindings)) + text(right(context, bindings));
    default:
      return null;
  }
}

function buildNegation(node: Node): FastExpression | null {
  const operand = build(node.expression as Node);
  if (!operand) return null;
  return (context, bindings) => {
    const value = operand(context, bindings);
    if (value === undefined) return undefined;
    if (typeof value === "number") return -value;
    throw BAIL;
  };
}

/** Keys JSONata's object constructor rejects (its function flags) or that a plain object would not keep. */
const UNSAFE_KEYS = new Set(["_jsonata_lambda", "_jsonata_function", "__proto__"]);

/** `{ 'a': x, 'b': y }` with distinct literal keys; a key whose value is nothing is left out. */
function buildObject(node: Node): FastExpression | null {
  const pairs = node.lhs as unknown;
  if (!Array.isArray(pairs)) return null;
  const keys: string[] = [];
  const values: FastExpression[] = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) return null;
    const [key, valueNode] = pair as [Node, Node];
    if (key.type !== "string" || !hasOnly(key, LITERAL_KEYS) || typeof key.value !== "string") return null;
    if (keys.includes(key.value) || UNSAFE_KEYS.has(key.value)) return null;
    const value = build(valueNode);
    if (!value) return null;
    keys.push(key.value);
    values.push(value);
  }
  return (context, bindings) => {
    const result: Record<string, unknown> = {};
    for (let index = 0; index < keys.length; index++) {
      const value = values[index](context, bindings);
      if (value !== undefined) result[keys[index]] = value;
    }
    return result;
  };
}

function buildCondition(node: Node): FastExpression | null {
  const condition = build(node.condition as Node);
  const then = build(node.then as Node);
  const otherwise = node.else === undefined ? () => undefined : build(node.else as Node);
  if (!condition || !then || !otherwise) return null;
  return (context, bindings) => (truthy(condition(context, bindings)) ? then(context, bindings) : otherwise(context, bindings));
}

// ---------------------------------------------------------------------------------------------
// Built-in functions, one argument each, as JSONata's function library and signatures define them

const FUNCTIONS: Record<string, (value: unknown) => unknown> = {
  // `<a:n>`: nothing counts 0, a single value is a one-item array.
  count: (value) => (value === undefined ? 0 : Array.isArray(value) ? value.length : 1),
  sum: sumOf,
  string: (value) => (value === undefined ? undefined : stringOf(value)),
  number: numberOf,
  // `<x:b>`
  exists: (value) => value !== undefined,
};

/** `$count(x)`, `$sum(x)`, `$string(x)`, `$number(x)`, `$exists(x)` with `x` in the fast subset. */
function buildFunction(node: Node): FastExpression | null {
  const procedure = node.procedure as Node;
  const args = node.arguments as Node[];
  if (!procedure || procedure.type !== "variable" || !hasOnly(procedure, LITERAL_KEYS)) return null;
  const name = procedure.value as string;
  if (typeof name !== "string" || !Object.hasOwn(FUNCTIONS, name)) return null;
  if (!Array.isArray(args) || args.length !== 1) return null;
  const argument = build(args[0]);
  if (!argument) return null;
  const implementation = FUNCTIONS[name];
  return (context, bindings) => {
    // A binding of that name shadows the built-in function.
    if (Object.hasOwn(bindings, name)) throw BAIL;
    const value = argument(context, bindings);
    // JSONata passes a function value on as a function of its own.
    if (isFunctionValue(value)) throw BAIL;
    return implementation(value);
  };
}

/** `<a<n>:n>`: nothing gives nothing, a number or an array of numbers their sum (from 0, so -0 is 0). */
function sumOf(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === "number") return finite(0 + value);
  if (!Array.isArray(value)) throw BAIL;
  let total = 0;
  for (let at = 0; at < value.length; at++) {
    const item = value[at];
    if (typeof item !== "number") throw BAIL;
    total += item;
  }
  return finite(total);
}

/** What `$number` accepts as decimal text, and the prefixed integers (whole string only: JSONata's
 * own prefix pattern also matches some longer strings, which it then turns into NaN; those bail). */
const DECIMAL = /^-?[0-9]+(\.[0-9]+)?([Ee][-+]?[0-9]+)?$/;
const PREFIXED = /^(?:0[xX][0-9A-Fa-f]+|0[oO][0-7]+|0[bB][01]+)$/;

/** `<(nsb)-:n>`: a number, decimal or 0x/0o/0b text, a boolean; anything else is JSONata's error. */
function numberOf(value: unknown): number | undefined {
  switch (typeof value) {
    case "undefined":
      return undefined;
    case "number":
      return value;
    case "boolean":
      return value ? 1 : 0;
    case "string":
      if (DECIMAL.test(value)) return finite(parseFloat(value));
      if (PREFIXED.test(value)) return finite(Number(value));
      throw BAIL;
    default:
      throw BAIL;
  }
}

/** JSONata's `$string` of a defined value (also what `&` makes of each side). */
function stringOf(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "boolean":
      return value ? "true" : "false";
    case "number":
      // JSON.stringify of a finite number is String of it.
      return String(jsonNumber(value));
    case "object":
      if (value === null) return "null";
      // JSONata makes a function's text empty; leave such values to it.
      if (isFunctionValue(value)) throw BAIL;
      try {
        return JSON.stringify(value, jsonReplacer);
      } catch {
        // A non-finite number inside (JSONata's error), or a value JSON cannot write.
        throw BAIL;
      }
    default:
      throw BAIL;
  }
}

/** JSONata's replacer in `$string`: non-integers to 15 significant digits, functions as "". */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "number") return jsonNumber(value);
  return value && isFunctionValue(value) ? "" : value;
}

function jsonNumber(value: number): number {
  if (!Number.isFinite(value)) throw BAIL;
  return Number.isInteger(value) ? value : Number(value.toPrecision(15));
}

// ---------------------------------------------------------------------------------------------
// Values

function finite(value: number): number {
  if (!Number.isFinite(value)) throw BAIL;
  return value;
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** JSONata's isFunction: its lambdas and function references are objects carrying these flags. */
function isFunctionValue(value: unknown): boolean {
  if (typeof value === "function") return true;
  if (typeof value !== "object" || value === null) return false;
  const flags = value as { _jsonata_function?: unknown; _jsonata_lambda?: unknown };
  return flags._jsonata_function === true || flags._jsonata_lambda === true;
}

/** JSONata's `$boolean`: an array is true when any item is (one item: that item); a function bails. */
function truthy(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return isTruthy(value);
  if (Array.isArray(value)) {
    for (let at = 0; at < value.length; at++) if (truthy(value[at])) return true;
    return false;
  }
  if (isFunctionValue(value)) throw BAIL;
  return isTruthy(value);
}

/** `&`'s text of one side: nothing is the empty string, anything else its `$string`. */
function text(value: unknown): string {
  return value === undefined ? "" : stringOf(value);
}
