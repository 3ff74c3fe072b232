// JSONata evaluation for node expressions: compiled once per isolate, results normalised to plain
// JSON so they can live in the checkpoint, and errors turned into messages a flow author can act on.
import jsonata from "jsonata";
import { BAIL, compileFast, type FastExpression } from "./fast-expressions";
import { FlowFailure } from "./failure";

/** Compiled expressions are shared by every job in the isolate; bounded so many flows cannot grow it forever. */
const COMPILE_CACHE_LIMIT = 5000;
const compiled = new Map<string, Compiled>();

/** JSONata's compiled expression, and the synchronous fast path when the expression has one. */
interface Compiled {
  jsonata: jsonata.Expression;
  fast: FastExpression | null;
}

/** An expression that failed to compile or evaluate; `message` is already readable. */
export class ExpressionError extends FlowFailure {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ExpressionError";
  }
}

/**
 * Evaluates `expression` over `context` (`{ input, vars, <nodeName>: output }`) with `bindings`
 * (e.g. `{ job }` for `$job`). `field` names where the expression came from, for the error message.
 * The result is plain JSON: no match (`undefined`) becomes `null`.
 */
export async function evaluateExpression(
  expression: string,
  field: string,
  context: object,
  bindings: Record<string, unknown>,
): Promise<unknown> {
  const compiledExpression = compile(expression, field);
  let result: unknown;
  try {
    result = evaluateFast(compiledExpression.fast, context, bindings);
    if (result === BAIL) result = await compiledExpression.jsonata.evaluate(context, bindings);
  } catch (error) {
    throw new ExpressionError(`${field}: expression ${quote(expression)} failed: ${describeError(error)}`, { cause: error });
  }
  return toPlainJson(result);
}

/**
 * The synchronous form of `expression` for a compiled plan: its fast-path closure, or null when it has
 * none (outside the fast subset, or not valid JSONata: the node's async form reports that).
 */
export function fastFormOf(expression: string): FastExpression | null {
  try {
    return compile(expression, "").fast;
  } catch {
    return null;
  }
}

/**
 * What a fast form answers, exactly as evaluateExpression would (plain JSON, no match is null);
 * throws BAIL when JSONata must decide, and the caller evaluates the expression the async way.
 */
export function evaluateFastForm(fast: FastExpression, context: object, bindings: Record<string, unknown>): unknown {
  return toPlainJson(fast(context as Record<string, unknown>, bindings));
}

/** The fast path's answer, or BAIL when it has none (then JSONata evaluates). */
function evaluateFast(fast: FastExpression | null, context: object, bindings: Record<string, unknown>): unknown {
  if (!fast) return BAIL;
  try {
    return fast(context as Record<string, unknown>, bindings);
  } catch (signal) {
    if (signal === BAIL) return BAIL;
    throw signal;
  }
}

function compile(expression: string, field: string): Compiled {
  const cached = compiled.get(expression);
  if (cached) return cached;
  let expressionObject: jsonata.Expression;
  try {
    expressionObject = jsonata(expression);
  } catch (error) {
    throw new ExpressionError(`${field}: expression ${quote(expression)} is invalid: ${describeError(error)}`, { cause: error });
  }
  const entry = { jsonata: expressionObject, fast: compileFast(expressionObject.ast()) };
  if (compiled.size >= COMPILE_CACHE_LIMIT) compiled.delete(compiled.keys().next().value!);
  compiled.set(expression, entry);
  return entry;
}

/** Why `expression` does not compile, or null when it does (save-time validation; nothing is cached). */
export function syntaxProblem(expression: string): string | null {
  try {
    jsonata(expression);
    return null;
  } catch (error) {
    return describeError(error);
  }
}

/** JSONata throws plain objects `{ code, position, token, message }`, not always Error instances. */
function describeError(error: unknown): string {
  if (typeof error !== "object" || error === null) return String(error);
  const { message, code, position, token } = error as { message?: unknown; code?: unknown; position?: unknown; token?: unknown };
  const text = typeof message === "string" && message ? message : String(error);
  const where: string[] = [];
  if (typeof code === "string") where.push(code);
  if (typeof position === "number") where.push(`at position ${position}`);
  if (typeof token === "string" && token) where.push(`near ${JSON.stringify(token)}`);
  return where.length ? `${text} (${where.join(" ")})` : text;
}

function quote(expression: string): string {
  const short = expression.length > 120 ? `${expression.slice(0, 117)}...` : expression;
  return JSON.stringify(short);
}

/**
 * A deep copy as plain JSON. JSONata results can be sequences (arrays carrying extra flags), can
 * share objects with the context (which the engine updates in place), and use `undefined` for "no
 * match"; a copy that behaves like JSON.parse(JSON.stringify(value)) keeps the checkpoint exact.
 */
export function toPlainJson(value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : null;
    case "object":
      if (isJsonataFunction(value)) return null;
      if (Array.isArray(value)) {
        const copy = new Array<unknown>(value.length);
        for (let index = 0; index < value.length; index++) copy[index] = toPlainJson(value[index]);
        return copy;
      }
      return copyObject(value as Record<string, unknown>);
    default:
      // Functions, symbols and bigints have no JSON form.
      return null;
  }
}

function copyObject(value: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const item = value[key];
    // JSON.stringify drops these keys; dropping them here keeps a resumed run identical.
    if (item === undefined || typeof item === "function" || typeof item === "symbol" || isJsonataFunction(item)) continue;
    copy[key] = toPlainJson(item);
  }
  return copy;
}

/** JSONata lambdas and function references are objects holding their (cyclic) environment, not JS functions. */
function isJsonataFunction(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  const marked = value as { _jsonata_lambda?: unknown; _jsonata_function?: unknown };
  return marked._jsonata_lambda === true || marked._jsonata_function === true;
}

export { isTruthy } from "./truthiness";
