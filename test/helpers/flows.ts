// Small flows the tests publish. Each is a plain DESIGN.md §6 definition.
export const helloFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "greet", type: "ASSIGN", name: "greet", data: { assign: { text: "'Hello, ' & input.name" } } },
    { id: "say", type: "LOG", name: "say", data: { message: "greet.text" } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'greeting': greet.text }" } },
  ],
  connections: [
    { source: "start", target: "greet" },
    { source: "greet", target: "say" },
    { source: "say", target: "end" },
  ],
};

export { alternatingFlow, countingFlow, sleepyFlow } from "../support/flows.mjs";

/** A loop whose every step sums `input.numbers` doubled through JSONata: pure CPU, milliseconds a step, so slices run their full budget. */
export const cpuBoundFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "init", type: "ASSIGN", name: "init", data: { vars: { i: "0" } } },
    { id: "loop", type: "FOREACH", name: "loop", data: { while: "vars.i < input.n", maxIterations: 1000000000 } },
    { id: "work", type: "ASSIGN", name: "work", data: { vars: { i: "vars.i + 1", total: "$sum(input.numbers.($ * 2))" } } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'i': vars.i }" } },
  ],
  connections: [
    { source: "start", target: "init" },
    { source: "init", target: "loop" },
    { source: "loop", target: "work", port: "loop" },
    { source: "loop", target: "end", port: "done" },
  ],
};

/** An input that keeps cpuBoundFlow busy for as long as a test needs. */
export const cpuBoundInput = { n: 1_000_000_000, numbers: Array.from({ length: 5_000 }, (_, index) => index) };

/** helloFlow with a WAIT node `nap` before its end: what a decision flow cannot have. */
export const withWait = {
  nodes: [...helloFlow.nodes.slice(0, -1), { id: "nap", type: "WAIT", name: "nap", data: { seconds: "1" } }, helloFlow.nodes[helloFlow.nodes.length - 1]],
  connections: [
    { source: "start", target: "greet" },
    { source: "greet", target: "say" },
    { source: "say", target: "nap" },
    { source: "nap", target: "end" },
  ],
};
