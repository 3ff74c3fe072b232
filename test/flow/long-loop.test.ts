// A job may loop hundreds of thousands of times: each step must cost the same however many came before.
import { describe, expect, it } from "vitest";
import { edge, flow, node, runFlow } from "./run-flow";

describe("long loops", () => {
  it("runs a while-loop of 100,000 iterations to the end, counting every step", async () => {
    const counting = flow(
      [
        node("start", "START"),
        node("init", "ASSIGN", { vars: { i: "0", sum: "0" } }),
        node("loop", "FOREACH", { while: "vars.i < input.n" }),
        node("add", "ASSIGN", { vars: { i: "vars.i + 1", sum: "vars.sum + vars.i" } }),
        node("end", "END", { output: "{ 'count': vars.i, 'sum': vars.sum }" }),
      ],
      [edge("start", "init"), edge("init", "loop"), edge("loop", "add", "loop"), edge("loop", "end", "done")],
    );
    const n = 100_000;

    const startedAt = performance.now();
    const run = await runFlow(counting, { n });
    const elapsedMs = performance.now() - startedAt;

    expect(run.result).toEqual({ kind: "completed", output: { count: n, sum: (n * (n - 1)) / 2 } });
    // start, init, end + `add` once per iteration + `loop` once per iteration start and once to finish.
    expect(run.steps).toBe(3 + n + (n + 1));
    console.log(`100,000 iterations: ${run.steps} steps in ${Math.round(elapsedMs)} ms`);
  });

  it("runs an items loop of 100,000 items collecting a result per item", async () => {
    const collecting = flow(
      [
        node("start", "START"),
        node("each", "FOREACH", { items: "[1..input.n]", collect: "double.value" }),
        node("double", "ASSIGN", { assign: { value: "each.currentItem * 2" } }),
        node("end", "END", { output: "{ 'count': $count(each.results), 'last': each.results[-1] }" }),
      ],
      [edge("start", "each"), edge("each", "double", "loop"), edge("each", "end", "done")],
    );

    const run = await runFlow(collecting, { n: 100_000 });

    expect(run.result).toEqual({ kind: "completed", output: { count: 100_000, last: 200_000 } });
  });
});
