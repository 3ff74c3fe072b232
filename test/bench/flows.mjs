// The flows the benchmark runs.
export const helloFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "end", type: "END", name: "end", data: { output: "{ 'ok': true }" } },
  ],
  connections: [{ source: "start", target: "end" }],
};

/** N iterations of a FOREACH whose body is one ASSIGN: pure steps. */
export { countingFlow as busyFlow, sleepyFlow } from "../support/flows.mjs";

/** One REST call to `input.url`, which never answers: for cancel latency mid-call. */
export const hangingFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "log", type: "LOG", name: "log", data: { message: "'calling'" } },
    { id: "call", type: "REST_API", name: "call", data: { method: "GET", url: "input.url", timeoutMs: 300000 } },
    { id: "end", type: "END", name: "end", data: { output: "call.status" } },
  ],
  connections: [
    { source: "start", target: "log" },
    { source: "log", target: "call" },
    { source: "call", target: "end" },
  ],
};

/** One REST_API node calling `input.url` once per item of `input.items`, `concurrency` at a time. */
export const fanOutFlow = (concurrency) => ({
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "calls", type: "REST_API", name: "calls", data: { method: "GET", url: "input.url & '?item=' & calls.index", items: "input.items", concurrency } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'calls': $count(calls.responses[ok]) }" } },
  ],
  connections: [
    { source: "start", target: "calls" },
    { source: "calls", target: "end" },
  ],
});

/** A FOREACH over 1..input.n whose body is one node computing twice the item: a CODE node or, to compare, an ASSIGN. */
export const loopOfFlow = (body) => ({
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "loop", type: "FOREACH", name: "loop", data: { items: "[1..input.n]" } },
    body === "CODE"
      ? { id: "calc", type: "CODE", name: "calc", data: { code: "return { value: context.loop.currentItem * 2 }" } }
      : { id: "calc", type: "ASSIGN", name: "calc", data: { assign: { value: "loop.currentItem * 2" } } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'last': calc.value }" } },
  ],
  connections: [
    { source: "start", target: "loop" },
    { source: "loop", target: "calc", port: "loop" },
    { source: "calc", target: "loop" },
    { source: "loop", target: "end", port: "done" },
  ],
});
