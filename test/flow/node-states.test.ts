// The per-node states the console draws on the graph while a job runs.
import { describe, expect, it } from "vitest";
import { FlowDefinition } from "../../worker/flow/definition";
import { createCheckpoint } from "../../worker/flow/engine";
import { edge, engineFor, flow, node, T0 } from "./run-flow";

function engineOf(definitionJson: unknown) {
  const definition = FlowDefinition.parse(definitionJson);
  return engineFor(definition, createCheckpoint(definition, {}, { id: "job-1", attempt: 1 }), {}, []);
}

describe("node states", () => {
  it("shows the current iteration of a loop body, the loop running, and what comes after pending", async () => {
    const engine = engineOf(
      flow(
        [node("start", "START"), node("each", "FOREACH", { items: "[1, 2]" }), node("a", "ASSIGN", {}), node("b", "ASSIGN", {}), node("end", "END", {})],
        [edge("start", "each"), edge("each", "a", "loop"), edge("a", "b"), edge("each", "end", "done")],
      ),
    );
    const seen: string[] = [];
    const record = () => {
      const { start, each, a, b, end } = engine.nodeStates;
      seen.push(`${engine.currentNode}: ${[start, each, a, b, end].join(" ")}`);
    };

    record();
    while ((await engine.step(T0)).kind === "ran") record();
    record();

    expect(seen).toEqual([
      "start: pending pending pending pending pending",
      "each: done pending pending pending pending",
      "a: done running pending pending pending",
      "b: done running done pending pending",
      "each: done running done done pending",
      "a: done running pending pending pending",
      "b: done running done pending pending",
      "each: done running done done pending",
      "end: done done done done pending",
      "null: done done done done done",
    ]);
  });

  it("shows a finished inner loop's last iteration, and the body of a loop that never ran as skipped", async () => {
    const engine = engineOf(
      flow(
        [
          node("start", "START"),
          node("outer", "FOREACH", { items: "[1]" }),
          node("inner", "FOREACH", { items: "[1, 2]" }),
          node("work", "ASSIGN", {}),
          node("empty", "FOREACH", { items: "[]" }),
          node("never", "ASSIGN", {}),
        ],
        [edge("start", "outer"), edge("outer", "inner", "loop"), edge("inner", "work", "loop"), edge("outer", "empty", "done"), edge("empty", "never", "loop")],
      ),
    );

    while ((await engine.step(T0)).kind === "ran");

    expect(engine.nodeStates).toEqual({ start: "done", outer: "done", inner: "done", work: "done", empty: "done", never: "skipped" });
  });
});
