// The compiled plan (worker/flow/plan.ts): a flow version is parsed and compiled once per isolate and
// shared by its jobs, and a node's synchronous form (stepSync) gives exactly what step() gives —
// the same results, logs, step counts and checkpoints — or declines without changing anything.
import { describe, expect, it } from "vitest";
import { FlowDefinition } from "../../worker/flow/definition";
import { createCheckpoint, FlowEngine } from "../../worker/flow/engine";
import { NODE_HANDLERS } from "../../worker/flow/nodes/index";
import { planOf, sharedDefinition } from "../../worker/flow/plan";
import { alternatingFlow, countingFlow, sleepyFlow } from "../support/flows.mjs";
import { edge, flow, node, runFlow } from "./run-flow";

const job = { id: "job-1", attempt: 1 };
const noServices = { log: () => {} };

/** FOREACH over items collecting doubled values, a SWITCH by parity, LOG lines, and an END built from $job and the results. */
const collectingFlow = flow(
  [
    node("start", "START"),
    node("each", "FOREACH", { items: "input.items", collect: "calc.double" }),
    node("calc", "ASSIGN", { assign: { double: "each.currentItem * 2" }, vars: { seen: "vars.seen + 1" } }),
    node("route", "SWITCH", { cases: [{ when: "calc.double > 4", port: "big" }] }),
    node("big", "LOG", { message: "'big ' & calc.double" }),
    node("small", "LOG", { message: "'small ' & calc.double" }),
    node("end", "END", { output: "{ 'job': $job.id, 'seen': vars.seen, 'last': calc.double }" }),
  ],
  [
    edge("start", "each"),
    edge("each", "calc", "loop"),
    edge("calc", "route"),
    edge("route", "big", "big"),
    edge("route", "small"),
    edge("each", "end", "done"),
  ],
);
const seeded = flow([node("start", "START"), node("init", "ASSIGN", { vars: { seen: "0" } })], [edge("start", "init")]);
// The collecting flow with its vars set first.
const collecting = flow(
  [...seeded.nodes, ...collectingFlow.nodes.slice(1)],
  [edge("start", "init"), edge("init", "each"), ...collectingFlow.connections.slice(1)],
);

describe("the compiled plan", () => {
  it("is built once per flow version and isolate: every job of the same stored definition shares it, frozen", () => {
    const text = JSON.stringify(countingFlow);
    const first = sharedDefinition(text);
    const second = sharedDefinition(JSON.parse(JSON.stringify(text)));
    expect(second).toBe(first);
    expect(planOf(second, NODE_HANDLERS)).toBe(planOf(first, NODE_HANDLERS));
    expect(Object.isFrozen(first) && Object.isFrozen(first.nodes[2]) && Object.isFrozen(first.nodes[2].data)).toBe(true);
    // A different version is a different plan.
    const other = sharedDefinition(JSON.stringify({ ...countingFlow, maxDurationSeconds: 60 }));
    expect(planOf(other, NODE_HANDLERS)).not.toBe(planOf(first, NODE_HANDLERS));
    // Two engines of the same version hold their own checkpoints.
    const a = new FlowEngine(first, createCheckpoint(first, { n: 1 }, job), job, noServices);
    const b = new FlowEngine(second, createCheckpoint(second, { n: 2 }, job), job, noServices);
    expect(a.checkpoint).not.toBe(b.checkpoint);
  });

  it("compiles the plain node types to synchronous forms, and leaves the others to step()", () => {
    const plan = planOf(FlowDefinition.parse(sleepyFlow), NODE_HANDLERS);
    expect(Object.fromEntries(Object.entries(plan.sync).map(([id, form]) => [id, form !== null]))).toEqual({
      start: true,
      before: true,
      nap: false,
      after: true,
      end: true,
    });
  });
});

describe("stepSync", () => {
  const cases: [string, unknown, unknown][] = [
    ["the counting loop", countingFlow, { n: 50 }],
    ["a SWITCH in a FOREACH", alternatingFlow, { items: [1, 2, 3, 4, 5] }],
    ["collect, vars, SWITCH, LOG and $job", collecting, { items: [1, 2, 3, 4] }],
    ["a WAIT between LOGs", sleepyFlow, { seconds: 5 }],
    ["an input that fails the loop", collecting, { items: "not a list" }],
  ];

  for (const [label, definition, input] of cases) {
    it(`ends exactly as step() alone does: ${label}`, async () => {
      const compiled = await runFlow(definition, input);
      const plain = await runFlow(definition, input, { asyncOnly: true });
      expect(compiled.result).toEqual(plain.result);
      expect(compiled.logs).toEqual(plain.logs);
      expect(compiled.steps).toBe(plain.steps);
      expect(compiled.sleeps).toEqual(plain.sleeps);
      expect(compiled.engine.checkpoint).toEqual(plain.engine.checkpoint);
      expect(plain.syncSteps).toBe(0);
    });
  }

  it("takes every step of the counting loop and of the collecting flow synchronously", async () => {
    const counting = await runFlow(countingFlow, { n: 1000 });
    expect(counting.result).toEqual({ kind: "completed", output: { count: 1000, sum: 499500 } });
    expect(counting.syncSteps).toBe(counting.steps);
    const collected = await runFlow(collecting, { items: [1, 2, 3] });
    expect(collected.result).toEqual({ kind: "completed", output: { job: "job-1", seen: 3, last: 6 } });
    expect(collected.syncSteps).toBe(collected.steps);
    // The WAIT is the one node of the sleepy flow that needs step().
    const sleepy = await runFlow(sleepyFlow, { seconds: 1 });
    expect(sleepy.steps - sleepy.syncSteps).toBe(1);
  });

  it("declines, changing nothing, when an expression needs JSONata at run time, and step() then decides", async () => {
    // `vars.total + 1` has a fast form, but an object is outside it: JSONata raises its type error.
    const definition = FlowDefinition.parse(
      flow(
        [node("start", "START"), node("set", "ASSIGN", { vars: { total: "input.total" } }), node("add", "ASSIGN", { vars: { total: "vars.total + 1" } })],
        [edge("start", "set"), edge("set", "add")],
      ),
    );
    const engine = new FlowEngine(definition, createCheckpoint(definition, { total: { a: 1 } }, job), job, noServices);
    expect(engine.stepSync(0)).toEqual({ kind: "ran" });
    expect(engine.stepSync(0)).toEqual({ kind: "ran" });
    const before = structuredClone(engine.checkpoint);
    expect(engine.stepSync(0)).toBeNull();
    expect(engine.checkpoint).toEqual(before);
    const result = await engine.step(0);
    expect(result).toMatchObject({ kind: "failed", node: "add" });
  });

  it("undoes a collected result when the loop's condition then needs JSONata, so step() collects it once", async () => {
    // The condition answers fast while `vars.limit` is a number and needs JSONata once it is a list.
    const definition = flow(
      [
        node("start", "START"),
        node("init", "ASSIGN", { vars: { i: "0", limit: "3" } }),
        node("loop", "FOREACH", { while: "vars.i < vars.limit", collect: "vars.i" }),
        node("add", "ASSIGN", { vars: { i: "vars.i + 1", limit: "vars.i = 1 ? input.list : vars.limit" } }),
        node("end", "END", { output: "loop.results" }),
      ],
      [edge("start", "init"), edge("init", "loop"), edge("loop", "add", "loop"), edge("loop", "end", "done")],
    );
    const compiled = await runFlow(definition, { list: [5] });
    const plain = await runFlow(definition, { list: [5] }, { asyncOnly: true });
    expect(compiled.result).toEqual(plain.result);
    expect(compiled.engine.checkpoint).toEqual(plain.engine.checkpoint);
    expect(compiled.syncSteps).toBeLessThan(compiled.steps);
  });

  it("resumes from a stored checkpoint mid-loop exactly as step() does", async () => {
    const compiled = await runFlow(collecting, { items: [1, 2, 3, 4, 5, 6] }, { resumeEvery: 3 });
    const plain = await runFlow(collecting, { items: [1, 2, 3, 4, 5, 6] }, { resumeEvery: 3, asyncOnly: true });
    expect(compiled.result).toEqual(plain.result);
    expect(compiled.logs).toEqual(plain.logs);
    expect(compiled.engine.checkpoint).toEqual(plain.engine.checkpoint);
  });
});
