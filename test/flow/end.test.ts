// How a flow ends: at END with its output, even with other branches pending; or with output null
// when nothing is left to run.
import { describe, expect, it } from "vitest";
import { edge, flow, node, runFlow } from "./run-flow";

describe("END", () => {
  it("completes the job with the value of its output expression", async () => {
    const ending = flow(
      [node("start", "START"), node("end", "END", { output: "{ 'doubled': input.x * 2, 'job': $job }" })],
      [edge("start", "end")],
    );

    const run = await runFlow(ending, { x: 21 }, { job: { id: "job-42", attempt: 2 } });

    expect(run.result).toEqual({ kind: "completed", output: { doubled: 42, job: { id: "job-42", attempt: 2 } } });
  });

  it("completes with null when nothing is left to run and no END ran", async () => {
    const noEnd = flow([node("start", "START"), node("say", "LOG", { message: "'hi'" })], [edge("start", "say")]);

    const run = await runFlow(noEnd, {});

    expect(run.result).toEqual({ kind: "completed", output: null });
    expect(run.logs).toHaveLength(1);
  });

  it("stops at once, even when other branches still have nodes to run", async () => {
    const race = flow(
      [node("start", "START"), node("end", "END", { output: "'early'" }), node("slow", "LOG", { message: "'too late'" })],
      // END is first in line, so it runs before the other branch.
      [edge("start", "end"), edge("start", "slow")],
    );

    const run = await runFlow(race, {});

    expect(run.result).toEqual({ kind: "completed", output: "early" });
    expect(run.logs).toEqual([]);
    expect(run.engine.nodeStates).toEqual({ start: "done", end: "done", slow: "pending" });
  });

  it("ends the whole job from inside a loop body", async () => {
    const breakOut = flow(
      [
        node("start", "START"),
        node("each", "FOREACH", { items: "[1, 2, 3]" }),
        node("say", "LOG", { message: "'item ' & each.currentItem" }),
        node("end", "END", { output: "each.currentItem" }),
        node("after", "LOG", { message: "'after the loop'" }),
      ],
      [edge("start", "each"), edge("each", "say", "loop"), edge("say", "end"), edge("each", "after", "done")],
    );

    const run = await runFlow(breakOut, {});

    expect(run.result).toEqual({ kind: "completed", output: 1 });
    expect(run.logs.map((line) => line.message)).toEqual(["item 1"]);
  });

  it("returns the same final result on every later step", async () => {
    const ending = flow([node("start", "START"), node("end", "END", { output: "7" })], [edge("start", "end")]);
    const run = await runFlow(ending, {});

    expect(await run.engine.step(Date.now())).toEqual({ kind: "completed", output: 7 });
    expect(run.engine.steps).toBe(2);
  });
});
