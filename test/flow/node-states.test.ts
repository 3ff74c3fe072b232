// The per-node states the console draws on the graph: the running node while a job runs, every node
// that ran in any iteration done (with its run count), and nothing running once the job is over.
import { describe, expect, it } from "vitest";
import { FlowDefinition } from "../../worker/flow/definition";
import { createCheckpoint, type Checkpoint } from "../../worker/flow/engine";
import { edge, engineFor, flow, node, T0 } from "./run-flow";

function engineOf(definitionJson: unknown, checkpoint?: Checkpoint) {
  const definition = FlowDefinition.parse(definitionJson);
  return engineFor(definition, checkpoint ?? createCheckpoint(definition, {}, { id: "job-1", attempt: 1 }), {}, []);
}

async function runToEnd(engine: ReturnType<typeof engineOf>) {
  for (;;) {
    const result = await engine.step(T0);
    if (result.kind !== "ran") return result;
  }
}

/** A SWITCH inside a FOREACH: port `even` on even iterations, `odd` on odd ones. */
const alternating = (items: string) =>
  flow(
    [
      node("start", "START"),
      node("each", "FOREACH", { items }),
      node("route", "SWITCH", { cases: [{ when: "each.index % 2 = 0", port: "even" }, { when: "true", port: "odd" }] }),
      node("a", "LOG", { message: "'even ' & each.index" }),
      node("b", "LOG", { message: "'odd ' & each.index" }),
      node("end", "END", { output: "{}" }),
    ],
    [edge("start", "each"), edge("each", "route", "loop"), edge("route", "a", "even"), edge("route", "b", "odd"), edge("each", "end", "done")],
  );

describe("node states", () => {
  it("shows the running node of the current iteration, and body nodes that ran in an earlier one as done", async () => {
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
      "a: done running done done pending",
      "b: done running done done pending",
      "each: done running done done pending",
      "end: done done done done pending",
      "null: done done done done done",
    ]);
    expect(engine.nodeRuns).toEqual({ start: 1, each: 1, a: 2, b: 2, end: 1 });
  });

  it("shows both branches of a SWITCH that alternates inside a FOREACH as done, with their run counts", async () => {
    const engine = engineOf(alternating("[1, 2, 3, 4, 5]"));

    expect(await runToEnd(engine)).toMatchObject({ kind: "completed" });

    // The last iteration (index 4) took `even`: `b` was skipped in it, but ran in iterations 1 and 3.
    expect(engine.nodeStates).toEqual({ start: "done", each: "done", route: "done", a: "done", b: "done", end: "done" });
    expect(engine.nodeRuns).toEqual({ start: 1, each: 1, route: 5, a: 3, b: 2, end: 1 });
  });

  it("still shows a branch no iteration took as skipped", async () => {
    const engine = engineOf(alternating("[1]"));

    await runToEnd(engine);

    expect(engine.nodeStates).toMatchObject({ a: "done", b: "skipped" });
    expect(engine.nodeRuns).not.toHaveProperty("b");
  });

  it("shows a finished inner loop's nodes done, and the body of a loop that never ran as skipped", async () => {
    const engine = engineOf(
      flow(
        [
          node("start", "START"),
          node("outer", "FOREACH", { items: "[1, 2]" }),
          node("inner", "FOREACH", { items: "outer.index = 0 ? [1, 2] : []" }),
          node("work", "ASSIGN", {}),
          node("empty", "FOREACH", { items: "[]" }),
          node("never", "ASSIGN", {}),
        ],
        [edge("start", "outer"), edge("outer", "inner", "loop"), edge("inner", "work", "loop"), edge("outer", "empty", "done"), edge("empty", "never", "loop")],
      ),
    );

    await runToEnd(engine);

    // The inner loop ran its body only in the outer loop's first iteration; it is done all the same.
    expect(engine.nodeStates).toEqual({ start: "done", outer: "done", inner: "done", work: "done", empty: "done", never: "skipped" });
    expect(engine.nodeRuns).toMatchObject({ outer: 1, inner: 2, work: 2, empty: 1 });
  });

  it("marks the failing node and the loop around it as error when the flow fails, and leaves nothing running", async () => {
    const engine = engineOf(
      flow(
        [
          node("start", "START"),
          node("each", "FOREACH", { items: "[1, 2, 3]" }),
          node("check", "ASSIGN", { assign: { ok: "each.index = 1 ? $error('item 2 is bad') : true" } }),
          node("end", "END", { output: "{}" }),
        ],
        [edge("start", "each"), edge("each", "check", "loop"), edge("each", "end", "done")],
      ),
    );

    expect(await runToEnd(engine)).toMatchObject({ kind: "failed", node: "check" });

    expect(engine.nodeStates).toEqual({ start: "done", each: "error", check: "error", end: "pending" });
    expect(engine.nodeRuns).toEqual({ start: 1, check: 1 });
  });

  it("shows the nodes a canceled job was in as canceled, what ran before as done, and what never ran as pending", async () => {
    const engine = engineOf(
      flow(
        [
          node("start", "START"),
          node("each", "FOREACH", { items: "[1, 2, 3]" }),
          node("log", "LOG", { message: "'item ' & each.index" }),
          node("nap", "WAIT", { seconds: "60" }),
          node("end", "END", { output: "{}" }),
        ],
        [edge("start", "each"), edge("each", "log", "loop"), edge("log", "nap"), edge("each", "end", "done")],
      ),
    );
    // Through the first iteration into the second one's WAIT.
    let now = T0;
    for (;;) {
      const result = await engine.step(now);
      if (result.kind === "completed" || result.kind === "failed") throw new Error(`ended: ${result.kind}`);
      if (result.kind !== "sleeping") continue;
      if (engine.nodeRuns.nap === 1) break;
      now = result.until;
    }
    expect(engine.nodeStates).toMatchObject({ each: "running", log: "done", nap: "running" });

    const canceled = engine.nodeStatesEnded({ state: "CANCELED", node: null });

    expect(canceled).toEqual({ start: "done", each: "canceled", log: "done", nap: "canceled", end: "pending" });
    expect(Object.values(canceled)).not.toContain("running");
  });

  it("marks the node the runner gave up on as error, though the checkpoint never recorded it running", async () => {
    const engine = engineOf(
      flow([node("start", "START"), node("first", "LOG", { message: "'one'" }), node("crashy", "LOG", { message: "'two'" })], [edge("start", "first"), edge("first", "crashy")]),
    );
    await engine.step(T0);
    await engine.step(T0);

    // As after the poison-slice rule: the slices that ran `crashy` died before storing anything.
    expect(engine.nodeStatesEnded({ state: "ERROR", node: "crashy" })).toEqual({ start: "done", first: "done", crashy: "error" });
  });

  it("resumes a checkpoint stored before run counts existed, counting from there", async () => {
    const definition = alternating("[1, 2, 3]");
    const first = engineOf(definition);
    for (let step = 0; step < 5; step++) await first.step(T0);
    const stored = JSON.parse(JSON.stringify(first.checkpoint));
    delete stored.runs;

    const resumed = engineOf(definition, stored);
    expect(resumed.nodeRuns).toEqual({});
    expect(await runToEnd(resumed)).toMatchObject({ kind: "completed" });
    expect(resumed.nodeStates).toMatchObject({ each: "done", route: "done", a: "done", end: "done" });
  });

  it("keeps node ids that are names of Object.prototype properties apart from them", async () => {
    const engine = engineOf(
      flow([node("start", "START"), node("constructor", "LOG", { message: "'x'" }), node("toString", "LOG", { message: "'y'" })], [edge("start", "constructor")]),
    );

    await runToEnd(engine);

    expect(engine.nodeStates).toEqual({ start: "done", constructor: "done", toString: "skipped" });
    expect(engine.nodeRuns).toEqual({ start: 1, constructor: 1 });
  });
});
