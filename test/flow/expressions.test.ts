// Expression results become plain JSON before they are stored, so the checkpoint holds only what
// JSON can express and nothing stored shares objects with state the engine changes later.
import { describe, expect, it } from "vitest";
import { evaluateExpression, isTruthy, toPlainJson } from "../../worker/flow/expressions";

const evaluate = (expression: string, context: object = {}) => evaluateExpression(expression, "test", context, { job: { id: "j", attempt: 1 } });

describe("expression results", () => {
  it("turns no match into null and drops undefined members", async () => {
    expect(await evaluate("nothing.here")).toBeNull();
    expect(toPlainJson({ a: undefined, b: [undefined, 1] })).toStrictEqual({ b: [null, 1] });
  });

  it("turns sequences into plain arrays", async () => {
    const result = await evaluate("items.price", { items: [{ price: 1 }, { price: 2 }] });

    expect(result).toStrictEqual([1, 2]);
    expect(Object.keys(result as object)).toEqual(["0", "1"]);
  });

  it("stores functions as JSON would: null, or left out of objects", async () => {
    expect(await evaluate("function($x) { $x }")).toBeNull();
    expect(await evaluate("{ 'f': $sum, 'n': 1 }")).toStrictEqual({ n: 1 });
  });

  it("copies values taken from the context", async () => {
    const context = { vars: { list: [1] } };

    const result = (await evaluate("vars", context)) as { list: number[] };
    context.vars.list.push(2);

    expect(result).toStrictEqual({ list: [1] });
  });

  it("binds the job as $job", async () => {
    expect(await evaluate("$job.id & '#' & $job.attempt")).toBe("j#1");
  });

  it("follows JSONata's $boolean rules for conditions", () => {
    expect([true, 1, "x", [0, 1], { a: 1 }].map(isTruthy)).toEqual([true, true, true, true, true]);
    expect([false, 0, "", [], [0, ""], {}, null].map(isTruthy)).toEqual([false, false, false, false, false, false, false]);
  });
});
