// WAIT: a durable sleep. step() reports when to come back, does nothing before then, and the walk
// continues once the time has come.
import { describe, expect, it } from "vitest";
import { FlowDefinition } from "../../worker/flow/definition";
import { createCheckpoint, FlowEngine, type LogLine } from "../../worker/flow/engine";
import { edge, flow, node, runFlow, T0 } from "./run-flow";

function napping(wait: Record<string, unknown>) {
  return flow(
    [
      node("start", "START"),
      node("before", "LOG", { message: "'before'" }),
      node("nap", "WAIT", wait),
      node("after", "LOG", { message: "'after'" }),
      node("end", "END", { output: "nap" }),
    ],
    [edge("start", "before"), edge("before", "nap"), edge("nap", "after"), edge("after", "end")],
  );
}

async function stepUntilSleeping(engine: FlowEngine, now: number) {
  for (;;) {
    const result = await engine.step(now);
    if (result.kind !== "ran") return result;
  }
}

describe("WAIT", () => {
  it("sleeps for `seconds`: nothing runs before the wake-up time, the flow continues after it", async () => {
    const definition = FlowDefinition.parse(napping({ seconds: "input.seconds" }));
    const logs: LogLine[] = [];
    const job = { id: "job-1", attempt: 1 };
    const engine = new FlowEngine(definition, createCheckpoint(definition, { seconds: 90 }, job), job, { log: (line) => logs.push(line) });
    const until = T0 + 90_000;

    expect(await stepUntilSleeping(engine, T0)).toEqual({ kind: "sleeping", until });
    expect(engine.currentNode).toBe("nap");
    expect(engine.nodeStates.nap).toBe("running");

    const stepsWhileSleeping = engine.steps;
    expect(await engine.step(until - 1)).toEqual({ kind: "sleeping", until });
    expect(engine.steps).toBe(stepsWhileSleeping);
    expect(logs.map((line) => line.message)).toEqual(["before"]);

    expect(await engine.step(until)).toEqual({ kind: "ran" });
    expect(await stepUntilSleeping(engine, until)).toEqual({ kind: "completed", output: { sleptUntil: "2030-01-01T00:01:30.000Z" } });
    expect(logs.map((line) => line.message)).toEqual(["before", "after"]);
  });

  it("sleeps `until` an ISO time", async () => {
    const run = await runFlow(napping({ until: "input.at" }), { at: "2030-01-02T00:00:00Z" });

    expect(run.sleeps).toEqual([Date.parse("2030-01-02T00:00:00Z")]);
    expect(run.result).toEqual({ kind: "completed", output: { sleptUntil: "2030-01-02T00:00:00.000Z" } });
  });

  it("does not sleep for a time in the past or a negative duration", async () => {
    const past = await runFlow(napping({ until: "'2000-01-01T00:00:00Z'" }), {});
    const negative = await runFlow(napping({ seconds: "-5" }), {});

    for (const run of [past, negative]) {
      expect(run.sleeps).toEqual([]);
      expect(run.result).toEqual({ kind: "completed", output: { sleptUntil: new Date(T0).toISOString() } });
      expect(run.logs.map((line) => line.message)).toEqual(["before", "after"]);
    }
  });

  it("sleeps inside a loop body, once per iteration", async () => {
    const ticking = flow(
      [
        node("start", "START"),
        node("each", "FOREACH", { items: "[1, 2, 3]" }),
        node("nap", "WAIT", { seconds: "10" }),
        node("tick", "LOG", { message: "'tick ' & each.currentItem" }),
      ],
      [edge("start", "each"), edge("each", "nap", "loop"), edge("nap", "tick")],
    );

    const run = await runFlow(ticking, {});

    expect(run.sleeps).toEqual([T0 + 10_000, T0 + 20_000, T0 + 30_000]);
    expect(run.logs.map((line) => line.message)).toEqual(["tick 1", "tick 2", "tick 3"]);
  });

  it("fails naming the node when the time is not usable", async () => {
    const notNumber = await runFlow(napping({ seconds: "'soon'" }), {});
    const notTime = await runFlow(napping({ until: "'tomorrow'" }), {});

    expect(notNumber.result).toEqual({
      kind: "failed",
      code: "JOB_EXECUTION_ERROR",
      node: "nap",
      message: "WAIT 'nap': seconds: expected a number of seconds, got a string",
    });
    expect(notTime.result).toMatchObject({ kind: "failed", node: "nap", message: expect.stringContaining('until: expected an ISO time') });
  });
});
