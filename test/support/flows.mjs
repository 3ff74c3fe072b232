// Flows shared by the test suites and the benchmarks (plain JS so Node scripts can import it too).
// Each is a DESIGN.md §6 definition.

/** Counts to `input.n` in a while-loop, accumulating in vars: pure ASSIGN/FOREACH steps. */
export const countingFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "init", type: "ASSIGN", name: "init", data: { vars: { i: "0", sum: "0" } } },
    { id: "loop", type: "FOREACH", name: "loop", data: { while: "vars.i < input.n", maxIterations: 1000000000 } },
    { id: "add", type: "ASSIGN", name: "add", data: { vars: { i: "vars.i + 1", sum: "vars.sum + vars.i" } } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'count': vars.i, 'sum': vars.sum }" } },
  ],
  connections: [
    { source: "start", target: "init" },
    { source: "init", target: "loop" },
    { source: "loop", target: "add", port: "loop" },
    { source: "loop", target: "end", port: "done" },
  ],
};

/** Logs, sleeps `input.seconds`, logs again. */
export const sleepyFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "before", type: "LOG", name: "before", data: { message: "'going to sleep'" } },
    { id: "nap", type: "WAIT", name: "nap", data: { seconds: "input.seconds" } },
    { id: "after", type: "LOG", name: "after", data: { message: "'woke up'" } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'slept': input.seconds }" } },
  ],
  connections: [
    { source: "start", target: "before" },
    { source: "before", target: "nap" },
    { source: "nap", target: "after" },
    { source: "after", target: "end" },
  ],
};

/** A SWITCH inside a FOREACH over `input.items`: port `even` on even iterations, `odd` on odd ones. */
export const alternatingFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "each", type: "FOREACH", name: "each", data: { items: "input.items" } },
    { id: "route", type: "SWITCH", name: "route", data: { cases: [{ when: "each.index % 2 = 0", port: "even" }, { when: "true", port: "odd" }] } },
    { id: "even", type: "LOG", name: "even", data: { message: "'even ' & each.index" } },
    { id: "odd", type: "LOG", name: "odd", data: { message: "'odd ' & each.index" } },
    { id: "end", type: "END", name: "end", data: { output: "{}" } },
  ],
  connections: [
    { source: "start", target: "each" },
    { source: "each", target: "route", port: "loop" },
    { source: "route", target: "even", port: "even" },
    { source: "route", target: "odd", port: "odd" },
    { source: "each", target: "end", port: "done" },
  ],
};
