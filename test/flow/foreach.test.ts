// FOREACH: the body runs once per item (or while a condition holds), loops nest, `collect` gathers
// one value per iteration into `<name>.results`, and `done` continues after the last iteration.
import { describe, expect, it } from "vitest";
import { edge, flow, node, runFlow } from "./run-flow";

const messages = (run: Awaited<ReturnType<typeof runFlow>>) => run.logs.map((line) => line.message);

describe("FOREACH", () => {
  it("exposes currentItem, index and length to the body, and continues on `done` after the last item", async () => {
    const listing = flow(
      [
        node("start", "START"),
        node("each", "FOREACH", { items: "input.letters" }),
        node("say", "LOG", { message: "each.index & '/' & each.length & ': ' & each.currentItem" }),
        node("after", "LOG", { message: "'after ' & each.index" }),
      ],
      [edge("start", "each"), edge("each", "say", "loop"), edge("each", "after", "done")],
    );

    const run = await runFlow(listing, { letters: ["a", "b", "c"] });

    expect(messages(run)).toEqual(["0/3: a", "1/3: b", "2/3: c", "after 2"]);
  });

  it("runs the whole body each iteration, branches and joins included, and accepts connections back to the loop", async () => {
    const body = flow(
      [
        node("start", "START"),
        node("each", "FOREACH", { items: "[1, 2]" }),
        node("left", "LOG", { message: "'left ' & each.currentItem" }),
        node("right", "LOG", { message: "'right ' & each.currentItem" }),
        node("join", "LOG", { message: "'join ' & each.currentItem" }),
      ],
      [
        edge("start", "each"),
        edge("each", "left", "loop"),
        edge("each", "right", "loop"),
        edge("left", "join"),
        edge("right", "join"),
        edge("join", "each"),
      ],
    );

    const run = await runFlow(body, {});

    expect(messages(run)).toEqual(["left 1", "right 1", "join 1", "left 2", "right 2", "join 2"]);
  });

  it("accumulates in vars across iterations", async () => {
    const summing = flow(
      [
        node("start", "START"),
        node("init", "ASSIGN", { vars: { total: "0", names: "[]" } }),
        node("each", "FOREACH", { items: "input.orders" }),
        node("add", "ASSIGN", { vars: { total: "vars.total + each.currentItem.amount", names: "$append(vars.names, each.currentItem.name)" } }),
        node("end", "END", { output: "vars" }),
      ],
      [edge("start", "init"), edge("init", "each"), edge("each", "add", "loop"), edge("each", "end", "done")],
    );

    const run = await runFlow(summing, { orders: [{ name: "a", amount: 10 }, { name: "b", amount: 5 }, { name: "c", amount: 1 }] });

    expect(run.result).toEqual({ kind: "completed", output: { total: 16, names: ["a", "b", "c"] } });
  });

  it("nests: the inner loop runs afresh per outer item, and its results are visible to the outer collect", async () => {
    const table = flow(
      [
        node("start", "START"),
        node("rows", "FOREACH", { items: "input.rows", collect: "{ 'row': rows.currentItem, 'products': cells.results }" }),
        node("cells", "FOREACH", { items: "input.columns", collect: "rows.currentItem * cells.currentItem" }),
        node("say", "LOG", { message: "rows.index & ',' & cells.index" }),
        node("end", "END", { output: "rows.results" }),
      ],
      [edge("start", "rows"), edge("rows", "cells", "loop"), edge("cells", "say", "loop"), edge("rows", "end", "done")],
    );

    const run = await runFlow(table, { rows: [1, 2], columns: [10, 20, 30] });

    expect(run.result).toEqual({
      kind: "completed",
      output: [
        { row: 1, products: [10, 20, 30] },
        { row: 2, products: [20, 40, 60] },
      ],
    });
    expect(messages(run)).toEqual(["0,0", "0,1", "0,2", "1,0", "1,1", "1,2"]);
  });

  it("keeps `<name>.results` and the last item usable after `done`", async () => {
    const squares = flow(
      [
        node("start", "START"),
        node("each", "FOREACH", { items: "[1, 2, 3]", collect: "each.currentItem * each.currentItem" }),
        node("noop", "ASSIGN", {}),
        node("end", "END", { output: "each" }),
      ],
      [edge("start", "each"), edge("each", "noop", "loop"), edge("each", "end", "done")],
    );

    const run = await runFlow(squares, {});

    expect(run.result).toEqual({ kind: "completed", output: { currentItem: 3, index: 2, length: 3, results: [1, 4, 9] } });
  });

  it("stops a while-loop at maxIterations and continues on `done`", async () => {
    const forever = flow(
      [
        node("start", "START"),
        node("loop", "FOREACH", { while: "true", maxIterations: 4, collect: "loop.index" }),
        node("tick", "LOG", { message: "'tick ' & loop.index & ' of ' & $string(loop.length)" }),
        node("end", "END", { output: "loop.results" }),
      ],
      [edge("start", "loop"), edge("loop", "tick", "loop"), edge("loop", "end", "done")],
    );

    const run = await runFlow(forever, {});

    expect(run.result).toEqual({ kind: "completed", output: [0, 1, 2, 3] });
    expect(messages(run)).toEqual(["tick 0 of null", "tick 1 of null", "tick 2 of null", "tick 3 of null"]);
  });

  it("checks `while` before each iteration, so a false condition runs the body zero times", async () => {
    const never = flow(
      [node("start", "START"), node("loop", "FOREACH", { while: "input.go" }), node("tick", "LOG", { message: "'tick'" })],
      [edge("start", "loop"), edge("loop", "tick", "loop")],
    );

    const run = await runFlow(never, { go: false });

    expect(run.logs).toEqual([]);
    expect(run.engine.nodeStates).toEqual({ start: "done", loop: "done", tick: "skipped" });
  });

  it("processes at most maxIterations items, reporting the full length", async () => {
    const capped = flow(
      [
        node("start", "START"),
        node("each", "FOREACH", { items: "input.items", maxIterations: 2, collect: "each.currentItem" }),
        node("noop", "ASSIGN", {}),
        node("end", "END", { output: "{ 'results': each.results, 'length': each.length }" }),
      ],
      [edge("start", "each"), edge("each", "noop", "loop"), edge("each", "end", "done")],
    );

    const run = await runFlow(capped, { items: ["a", "b", "c", "d"] });

    expect(run.result).toEqual({ kind: "completed", output: { results: ["a", "b"], length: 4 } });
  });

  it("takes `done` immediately for an empty array, skipping the body", async () => {
    const empty = flow(
      [
        node("start", "START"),
        node("each", "FOREACH", { items: "input.items" }),
        node("say", "LOG", { message: "'never'" }),
        node("end", "END", { output: "each" }),
      ],
      [edge("start", "each"), edge("each", "say", "loop"), edge("each", "end", "done")],
    );

    const run = await runFlow(empty, { items: [] });

    expect(run.result).toEqual({ kind: "completed", output: { currentItem: null, index: null, length: 0, results: [] } });
    expect(run.logs).toEqual([]);
    // start, each (finishes at once), end.
    expect(run.steps).toBe(3);
    expect(run.engine.nodeStates.say).toBe("skipped");
  });
});
