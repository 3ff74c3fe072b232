// Execution order follows connections: a node runs once all its incoming connections are resolved
// and one is taken; branches not taken are skipped, and so is what only they lead to.
import { describe, expect, it } from "vitest";
import { branchHandlers } from "./branch-handler";
import { edge, flow, node, runFlow } from "./run-flow";

const say = (id: string) => node(id, "LOG", { message: `'${id}'` });
const messages = (run: Awaited<ReturnType<typeof runFlow>>) => run.logs.map((line) => line.message);

describe("flow graph", () => {
  it("skips a branch not taken and what only it leads to, and joins branches again", async () => {
    const branching = flow(
      [node("start", "START"), node("branch", "BRANCH", { ports: ["a"] }), say("a"), say("b"), say("b2"), say("onlyB"), say("join")],
      [
        edge("start", "branch"),
        edge("branch", "a", "a"),
        edge("branch", "b", "b"),
        edge("b", "b2"),
        edge("b2", "onlyB"),
        edge("a", "join"),
        edge("b2", "join"),
      ],
    );

    const run = await runFlow(branching, {}, { handlers: branchHandlers });

    expect(messages(run)).toEqual(["a", "join"]);
    expect(run.result).toEqual({ kind: "completed", output: null });
    expect(run.engine.nodeStates).toEqual({
      start: "done",
      branch: "done",
      a: "done",
      b: "skipped",
      b2: "skipped",
      onlyB: "skipped",
      join: "done",
    });
  });

  it("skips a join whose incoming branches were all skipped", async () => {
    const noneTaken = flow(
      [node("start", "START"), node("branch", "BRANCH", { ports: [] }), say("a"), say("b"), say("join"), say("after")],
      [edge("start", "branch"), edge("branch", "a", "a"), edge("branch", "b", "b"), edge("a", "join"), edge("b", "join"), edge("join", "after")],
    );

    const run = await runFlow(noneTaken, {}, { handlers: branchHandlers });

    expect(messages(run)).toEqual([]);
    expect(run.engine.nodeStates.after).toBe("skipped");
  });

  it("runs every branch a node takes, and a join only once after all of them", async () => {
    const both = flow(
      [node("start", "START"), node("branch", "BRANCH", { ports: ["a", "b"] }), say("a"), say("b"), say("b2"), say("join")],
      [edge("start", "branch"), edge("branch", "a", "a"), edge("branch", "b", "b"), edge("b", "b2"), edge("a", "join"), edge("b2", "join")],
    );

    const run = await runFlow(both, {}, { handlers: branchHandlers });

    expect(messages(run)).toEqual(["a", "b", "b2", "join"]);
  });

  it("treats a connection without a port and one with port 'default' alike", async () => {
    const ports = flow(
      [node("start", "START"), say("implicit"), say("explicit"), say("other")],
      [edge("start", "implicit"), edge("start", "explicit", "default"), edge("start", "other", "other")],
    );

    const run = await runFlow(ports, {});

    expect(messages(run)).toEqual(["implicit", "explicit"]);
    expect(run.engine.nodeStates.other).toBe("skipped");
  });

  it("never runs unreachable nodes, but runs a node that also has a taken connection", async () => {
    const island = flow(
      [node("start", "START"), say("orphan"), say("afterOrphan"), say("shared")],
      [edge("orphan", "afterOrphan"), edge("orphan", "shared"), edge("start", "shared")],
    );

    const run = await runFlow(island, {});

    expect(messages(run)).toEqual(["shared"]);
    expect(run.engine.nodeStates).toEqual({ start: "done", orphan: "skipped", afterOrphan: "skipped", shared: "done" });
  });

  it("fails with a clear message when the flow has no START or two of them", async () => {
    const none = await runFlow(flow([say("a")], []), {});
    const two = await runFlow(flow([node("s1", "START"), node("s2", "START")], []), {});

    for (const run of [none, two]) {
      expect(run.result).toMatchObject({ kind: "failed", code: "JOB_EXECUTION_ERROR", node: null });
      expect(run.result.kind === "failed" && run.result.message).toMatch(/exactly one START node/);
    }
  });

  it("fails with a clear message when two loop bodies overlap without nesting", async () => {
    const overlapping = flow(
      [node("start", "START"), node("first", "FOREACH", { items: "[1]" }), node("second", "FOREACH", { items: "[1]" }), say("shared")],
      [edge("start", "first"), edge("start", "second"), edge("first", "shared", "loop"), edge("second", "shared", "loop")],
    );

    const run = await runFlow(overlapping, {});

    expect(run.result).toEqual({
      kind: "failed",
      code: "JOB_EXECUTION_ERROR",
      node: null,
      message: "The flow cannot run: Node 'shared' is in the bodies of FOREACH 'first' and FOREACH 'second', which do not nest.",
    });
  });

  it("refuses node names that would hide the input or the vars from expressions, or pollute prototypes", async () => {
    const shadowing = flow([node("start", "START"), { id: "n1", type: "ASSIGN", name: "input" }], [edge("start", "n1")]);
    const polluting = flow([node("start", "START"), { id: "n1", type: "ASSIGN", name: "__proto__" }], [edge("start", "n1")]);

    const shadowed = await runFlow(shadowing, {});
    const polluted = await runFlow(polluting, {});

    expect(shadowed.result).toMatchObject({ kind: "failed", node: null, message: expect.stringContaining("named 'input', a name reserved") });
    expect(polluted.result).toMatchObject({ kind: "failed", node: null, message: expect.stringContaining("may not use '__proto__'") });
  });
});
