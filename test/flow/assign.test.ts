// ASSIGN: `assign` computes the node's output, `vars` updates the flow variables; all expressions
// of one node see the context as it was before the node.
import { describe, expect, it } from "vitest";
import { edge, flow, node, runFlow } from "./run-flow";

describe("ASSIGN", () => {
  it("makes its output addressable by the node's name", async () => {
    const pricing = flow(
      [
        node("start", "START"),
        node("price", "ASSIGN", { assign: { net: "input.amount", gross: "input.amount * 1.2", missing: "input.nothing" } }),
        node("end", "END", { output: "price" }),
      ],
      [edge("start", "price"), edge("price", "end")],
    );

    const run = await runFlow(pricing, { amount: 100 });

    // No match is stored as null, so the output reads the same after a checkpoint round trip.
    expect(run.result).toEqual({ kind: "completed", output: { net: 100, gross: 120, missing: null } });
  });

  it("updates vars for later nodes, evaluating every expression before applying any", async () => {
    const swapping = flow(
      [
        node("start", "START"),
        node("init", "ASSIGN", { vars: { a: "1", b: "2" } }),
        node("swap", "ASSIGN", { vars: { a: "vars.b", b: "vars.a" }, assign: { sumBefore: "vars.a + vars.b" } }),
        node("end", "END", { output: "{ 'vars': vars, 'swap': swap }" }),
      ],
      [edge("start", "init"), edge("init", "swap"), edge("swap", "end")],
    );

    const run = await runFlow(swapping, {});

    expect(run.result).toEqual({ kind: "completed", output: { vars: { a: 2, b: 1 }, swap: { sumBefore: 3 } } });
  });

  it("sees the job as $job", async () => {
    const whoAmI = flow(
      [node("start", "START"), node("me", "ASSIGN", { assign: { id: "$job.id", attempt: "$job.attempt" } }), node("end", "END", { output: "me" })],
      [edge("start", "me"), edge("me", "end")],
    );

    const run = await runFlow(whoAmI, {}, { job: { id: "job-7", attempt: 3 } });

    expect(run.result).toEqual({ kind: "completed", output: { id: "job-7", attempt: 3 } });
  });

  it("stores copies, so a value taken from vars does not change when vars change later", async () => {
    const snapshot = flow(
      [
        node("start", "START"),
        node("init", "ASSIGN", { vars: { n: "1" } }),
        node("copy", "ASSIGN", { assign: { before: "vars" } }),
        node("bump", "ASSIGN", { vars: { n: "vars.n + 1" } }),
        node("end", "END", { output: "{ 'before': copy.before.n, 'now': vars.n }" }),
      ],
      [edge("start", "init"), edge("init", "copy"), edge("copy", "bump"), edge("bump", "end")],
    );

    const run = await runFlow(snapshot, {});

    expect(run.result).toEqual({ kind: "completed", output: { before: 1, now: 2 } });
  });
});
