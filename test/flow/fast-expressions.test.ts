import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { toPlainJson } from "../../worker/flow/expressions";
import { BAIL, compileFast } from "../../worker/flow/fast-expressions";

const context = {
  input: { n: 5, name: "Ada", zero: 0, empty: "", flag: true, nothing: null, list: [1, 2], one: [7], none: [], customer: { tier: "gold", orders: 3 } },
  vars: { i: 3, sum: 6, half: 0.5, big: 1e16, third: 1 / 3, text: "abc", yes: true, no: false, obj: { a: 1 }, blank: {}, neg: -2 },
  greet: { text: "Hello" },
};
const bindings = { job: { id: "01JOB", attempt: 1 } };

type Outcome = { threw: string } | { value: unknown };

async function byJsonata(expression: string, data: object = context): Promise<Outcome> {
  try {
    return { value: toPlainJson(await jsonata(expression).evaluate(data, bindings)) };
  } catch (error) {
    return { threw: String((error as { code?: string }).code ?? error) };
  }
}

/** The fast path's outcome: "not compiled", "bail" (JSONata decides), or a value. */
function byFastPath(expression: string, data: object = context): "not compiled" | "bail" | { value: unknown } {
  const fast = compileFast(jsonata(expression).ast());
  if (!fast) return "not compiled";
  try {
    return { value: toPlainJson(fast(data as Record<string, unknown>, bindings)) };
  } catch (signal) {
    if (signal === BAIL) return "bail";
    throw signal;
  }
}

/** Every fast answer equals JSONata's; returns how many were answered fast. */
async function agreeWithJsonata(expressions: string[], data: object = context) {
  let answered = 0;
  for (const expression of expressions) {
    const fast = byFastPath(expression, data);
    if (typeof fast === "string") continue;
    answered++;
    expect(await byJsonata(expression, data), expression).toEqual(fast);
  }
  return answered;
}

describe("fast path for simple JSONata expressions", () => {
  it("takes the expressions flows use most", () => {
    for (const expression of [
      "vars.i + 1",
      "vars.i < input.n",
      "vars.sum + vars.i",
      "{ 'count': vars.i, 'sum': vars.sum }",
      "'Hello, ' & input.name",
      "$job.id",
      "input.customer.tier = 'gold' and input.customer.orders > 2",
      "input.flag ? 'yes' : 'no'",
      "-vars.i",
    ]) {
      expect(byFastPath(expression), expression).not.toBe("not compiled");
      expect(byFastPath(expression), expression).not.toBe("bail");
    }
  });

  it("leaves predicates, functions, wildcards, array constructors and sequences to JSONata", () => {
    for (const expression of ["input.list[0]", "$count(input.list)", "input.*", "[1, 2]", "input.list.$string()", "vars.obj.a[]", "$", "**.a", "$string"]) {
      expect(byFastPath(expression), expression).toBe("not compiled");
    }
    // Compiled, but the values at run time are outside the plain cases.
    for (const expression of ["input.list", "input.one", "input.none", "input.list + 1", "vars.big & ''", "vars.third & ''", "vars.i / input.zero", "$other.x", "input.constructor", "vars.obj = vars.obj"]) {
      expect(byFastPath(expression), expression).toBe("bail");
    }
  });

  it("answers exactly as JSONata on a corpus of edge cases", async () => {
    const answered = await agreeWithJsonata([
      "vars.i + 1", "vars.i - 10", "vars.i * vars.half", "vars.sum / vars.i", "vars.i % 2", "vars.neg % 3", "vars.i / 4",
      "vars.missing + 1", "1 + vars.missing", "vars.missing - vars.missing", "vars.text + 1", "vars.yes + 1", "input.nothing + 1",
      "vars.i < 3", "vars.i <= 3", "vars.text > 'abb'", "vars.text < 5", "vars.missing < 5", "input.nothing < 1",
      "vars.i = 3", "vars.i != 3", "vars.i = '3'", "vars.missing = vars.missing", "vars.missing != 1", "input.nothing = null",
      "vars.yes = true", "vars.text = 'abc'",
      "vars.yes and vars.no", "vars.yes or vars.no", "input.zero or input.empty", "vars.obj and vars.blank", "vars.blank or vars.missing",
      "input.nothing and true", "vars.text and vars.i",
      "'a' & 'b'", "vars.i & '!'", "vars.yes & ''", "input.nothing & ''", "vars.missing & 'x'", "vars.half & ''", "vars.neg & ''",
      "vars.obj & ''", "-vars.neg", "-vars.missing", "-vars.text",
      "input.flag ? 1 : 2", "input.zero ? 1 : 2", "input.empty ? 1", "vars.obj ? vars.obj.a : 0", "vars.blank ? 1 : 2",
      "{ 'a': vars.i, 'b': vars.missing, 'c': vars.obj }", "{ 'nested': { 'x': vars.text } }", "{}",
      "vars.obj.a", "vars.obj.a.b", "vars.text.length", "vars.i.x", "input.nothing.x", "greet.text", "missing.path",
      "$job.attempt", "$job.missing", "$job.id.x",
      "vars.missing ?: 5", "input.zero ?: 5", "input.n ?: 5", "input.n ?? 1",
      "true", "false", "null", "42", "'text'", "1.5e3",
    ]);
    expect(answered).toBeGreaterThan(45);
  });

  it("answers exactly as JSONata on 5,000 random expressions over random data", async () => {
    let seed = 20261129;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const scalars = [0, 1, -1, 2, 7, 0.1, 0.2, 1e15, 1e16, -0.5, "", "a", "abc", "10", true, false, null];
    const valueOf = (depth: number): unknown => {
      const roll = random();
      if (depth > 1 || roll < 0.6) return pick(scalars);
      if (roll < 0.75) return [pick(scalars), pick(scalars)].slice(0, Math.floor(random() * 3));
      return { a: valueOf(depth + 1), b: valueOf(depth + 1) };
    };
    const data = () => ({ input: { x: valueOf(0), y: valueOf(0), o: { a: valueOf(1), b: valueOf(1) } }, vars: { x: valueOf(0), z: valueOf(0) } });
    const leaves = ["input.x", "input.y", "input.o", "input.o.a", "input.o.b", "vars.x", "vars.z", "vars.missing", "input.x.a", "$job.id", "$job.attempt",
      "1", "0", "2.5", "-3", "'s'", "''", "'10'", "true", "false", "null"];
    const operators = ["+", "-", "*", "/", "%", "<", "<=", ">", ">=", "=", "!=", "and", "or", "&"];
    const expressionOf = (depth: number): string => {
      const roll = random();
      if (depth > 2 || roll < 0.35) return pick(leaves);
      if (roll < 0.8) return `(${expressionOf(depth + 1)} ${pick(operators)} ${expressionOf(depth + 1)})`;
      if (roll < 0.87) return `-(${expressionOf(depth + 1)})`;
      if (roll < 0.94) return `(${expressionOf(depth + 1)} ? ${expressionOf(depth + 1)} : ${expressionOf(depth + 1)})`;
      return `{ 'p': ${expressionOf(depth + 1)}, 'q': ${expressionOf(depth + 1)} }`;
    };
    let answered = 0;
    for (let round = 0; round < 500; round++) {
      const expressions = Array.from({ length: 10 }, () => expressionOf(0));
      answered += await agreeWithJsonata(expressions, data());
    }
    // Most random expressions meet some value outside the plain cases; many are still answered fast.
    expect(answered).toBeGreaterThan(1000);
  });
});
