// The checkpoint is the whole execution state as JSON: a new engine built from a JSON copy of it
// continues exactly where the old one stopped (what the JobRunner relies on after an eviction).
import { describe, expect, it } from "vitest";
import { FlowDefinition } from "../../worker/flow/definition";
import { createCheckpoint, type LogLine } from "../../worker/flow/engine";
import { branchHandlers } from "./branch-handler";
import { edge, engineFor, flow, node, runFlow, T0 } from "./run-flow";

/** Nested loops, a WAIT in a body, vars, collect, skipped branches and a join: everything a checkpoint holds. */
const everything = flow(
  [
    node("start", "START"),
    node("init", "ASSIGN", { vars: { count: "0" } }),
    node("rows", "FOREACH", { items: "input.rows", collect: "{ 'row': rows.currentItem, 'cells': cells.results }" }),
    node("cells", "FOREACH", { items: "input.columns", collect: "cell.value" }),
    node("cell", "ASSIGN", { assign: { value: "rows.currentItem & cells.currentItem" }, vars: { count: "vars.count + 1" } }),
    node("nap", "WAIT", { seconds: "30" }),
    node("branch", "BRANCH", { ports: ["odd"] }),
    node("odd", "LOG", { message: "'row ' & rows.currentItem & ' done after ' & vars.count & ' cells'" }),
    node("even", "LOG", { message: "'never'" }),
    node("join", "ASSIGN", { vars: { joins: "$count(vars.joins) = 0 ? [rows.index] : $append(vars.joins, rows.index)" } }),
    node("counter", "FOREACH", { while: "vars.count < 10", maxIterations: 100 }),
    node("more", "ASSIGN", { vars: { count: "vars.count + 1" } }),
    node("end", "END", { output: "{ 'rows': rows.results, 'count': vars.count, 'joins': vars.joins, 'job': $job }" }),
  ],
  [
    edge("start", "init"),
    edge("init", "rows"),
    edge("rows", "cells", "loop"),
    edge("cells", "cell", "loop"),
    edge("cells", "nap", "done"),
    edge("nap", "branch"),
    edge("branch", "odd", "odd"),
    edge("branch", "even", "even"),
    edge("odd", "join"),
    edge("even", "join"),
    edge("rows", "counter", "done"),
    edge("counter", "more", "loop"),
    edge("counter", "end", "done"),
  ],
);
const input = { rows: ["a", "b", "c"], columns: [1, 2] };

describe("checkpoint", () => {
  it("resumes from a JSON copy after any number of steps with the same output, logs and steps", async () => {
    const uninterrupted = await runFlow(everything, input, { handlers: branchHandlers });
    expect(uninterrupted.result).toEqual({
      kind: "completed",
      output: {
        rows: [
          { row: "a", cells: ["a1", "a2"] },
          { row: "b", cells: ["b1", "b2"] },
          { row: "c", cells: ["c1", "c2"] },
        ],
        count: 10,
        joins: [0, 1, 2],
        job: { id: "job-1", attempt: 1 },
      },
    });
    expect(uninterrupted.logs.map((line) => line.message)).toEqual([
      "row a done after 2 cells",
      "row b done after 4 cells",
      "row c done after 6 cells",
    ]);
    expect(uninterrupted.sleeps).toHaveLength(3);

    for (const resumeEvery of [1, 2, 3, 5, 8]) {
      const resumed = await runFlow(everything, input, { handlers: branchHandlers, resumeEvery });
      expect(resumed.result, `resumed every ${resumeEvery} steps`).toEqual(uninterrupted.result);
      expect(resumed.logs).toEqual(uninterrupted.logs);
      expect(resumed.steps).toBe(uninterrupted.steps);
      expect(resumed.sleeps).toEqual(uninterrupted.sleeps);
    }
  });

  it("is plain JSON after every step, and a resumed engine reports the same progress", async () => {
    const definition = FlowDefinition.parse(everything);
    const job = { id: "job-1", attempt: 1 };
    const logs: LogLine[] = [];
    const engine = engineFor(definition, createCheckpoint(definition, input, job), { handlers: branchHandlers }, logs);
    let now = T0;
    for (;;) {
      const result = await engine.step(now);
      const copy = JSON.parse(JSON.stringify(engine.checkpoint));
      expect(copy).toStrictEqual(engine.checkpoint);
      const resumed = engineFor(FlowDefinition.parse(everything), copy, { handlers: branchHandlers }, []);
      expect(resumed.steps).toBe(engine.steps);
      expect(resumed.currentNode).toBe(engine.currentNode);
      expect(resumed.nodeStates).toEqual(engine.nodeStates);
      if (result.kind === "completed" || result.kind === "failed") break;
      if (result.kind === "sleeping") now = result.until;
    }
    expect(engine.checkpoint.version).toBe(1);
  });

  it("never changes the checkpoint object it was built from", async () => {
    const definition = FlowDefinition.parse(everything);
    const job = { id: "job-1", attempt: 1 };
    const initial = createCheckpoint(definition, input, job);
    const before = JSON.stringify(initial);

    const engine = engineFor(definition, initial, { handlers: branchHandlers }, []);
    await engine.step(T0);
    await engine.step(T0);

    expect(JSON.stringify(initial)).toBe(before);
  });

  it("stays the same size however many iterations have run (it is state, not history)", async () => {
    const counting = FlowDefinition.parse(
      flow(
        [
          node("start", "START"),
          node("loop", "FOREACH", { while: "true" }),
          node("add", "ASSIGN", { vars: { i: "$exists(vars.i) ? vars.i + 1 : 0" }, assign: { i: "vars.i" } }),
        ],
        [edge("start", "loop"), edge("loop", "add", "loop")],
      ),
    );
    const engine = engineFor(counting, createCheckpoint(counting, {}, { id: "job-1", attempt: 1 }), {}, []);
    const sizeAfter = async (steps: number) => {
      while (engine.steps < steps) await engine.step(T0);
      return JSON.stringify(engine.checkpoint).length;
    };

    const early = await sizeAfter(1_000);
    const late = await sizeAfter(20_000);

    // Only the digits of the counters grow.
    expect(late - early).toBeLessThan(20);
  });
});
