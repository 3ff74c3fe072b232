// A fast path for the simplest JSONata expressions, which are most of a flow's steps: paths into
// plain objects (`vars.i`, `input.customer.name`, `$job.id`), literals, arithmetic, comparisons,
// `and`/`or`, `&`, `? :` and object constructors with literal keys. The AST JSONata parsed is
// turned into plain synchronous closures once; JSONata's own evaluator is async at every node.
//
// It never decides anything JSONata might decide differently: an AST node with any property not
// listed here is not compiled (the expression always goes to JSONata), and at run time anything
// outside the plain cases — an array on a path (sequence semantics), a type JSONata would reject,
// a non-finite number, a number `&` would format — throws BAIL, and the caller evaluates the
// expression with JSONata instead. So a result from here is always JSONata's result.
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
    default:
      return null;
  }
}

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
  const fromBinding = steps[0].type === "variable";
  return (context, bindings) => {
    let value: unknown;
    if (fromBinding) {
      // Only the job's own bindings; `$string` and other built-in functions go to JSONata.
      if (!Object.hasOwn(bindings, names[0])) throw BAIL;
      value = bindings[names[0]];
    } else {
      value = member(context, names[0]);
    }
    for (let index = 1; index < names.length; index++) {
      if (value === undefined) return undefined;
      value = member(value, names[index]);
    }
    if (Array.isArray(value) || typeof value === "function") throw BAIL;
    return value;
  };
}

/** One path step on a single (non-sequence) value, as JSONata's lookup does it. */
function member(value: unknown, name: string): unknown {
  if (Array.isArray(value)) throw BAIL;
  if (value === null || typeof value !== "object") return undefined;
  if (Object.hasOwn(value, name)) return (value as Record<string, unknown>)[name];
  // An inherited name (`constructor`, `toString`): JSONata's lookup sees it; leave it to JSONata.
  if (name in value) throw BAIL;
  return undefined;
}

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

/** `{ 'a': x, 'b': y }` with distinct literal keys; a key whose value is nothing is left out. */
function buildObject(node: Node): FastExpression | null {
  const pairs = node.lhs as unknown;
  if (!Array.isArray(pairs)) return null;
  const keys: string[] = [];
  const values: FastExpression[] = [];
  for (const pair of pairs) {
    if (!Array.isArray(pair) || pair.length !== 2) return null;
    const [key, valueNode] = pair as [Node, Node];
    if (key.type !== "string" || !hasOnly(key, LITERAL_KEYS) || keys.includes(key.value as string)) return null;
    const value = build(valueNode);
    if (!value) return null;
    keys.push(key.value as string);
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

function finite(value: number): number {
  if (!Number.isFinite(value)) throw BAIL;
  return value;
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}

/** JSONata's `$boolean` for single values; arrays (sequences) go to JSONata. */
function truthy(value: unknown): boolean {
  if (Array.isArray(value)) throw BAIL;
  return isTruthy(value);
}

/** `&`'s `$string` of one side, for the values whose text is certain; nothing is the empty string. */
function text(value: unknown): string {
  if (value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean" || value === null) return String(value);
  // Up to 15 digits `$string` prints an integer as JavaScript does; beyond, it rounds.
  if (typeof value === "number" && Number.isInteger(value) && Math.abs(value) < 1e15) return String(value);
  throw BAIL;
}
