// The flows the benchmark runs.
export const helloFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "end", type: "END", name: "end", data: { output: "{ 'ok': true }" } },
  ],
  connections: [{ source: "start", target: "end" }],
};

/** N iterations of a FOREACH whose body is one ASSIGN: pure steps. */
export const busyFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "init", type: "ASSIGN", name: "init", data: { vars: { i: "0", sum: "0" } } },
    { id: "loop", type: "FOREACH", name: "loop", data: { while: "vars.i < input.n" } },
    { id: "add", type: "ASSIGN", name: "add", data: { vars: { i: "vars.i + 1", sum: "vars.sum + vars.i" } } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'sum': vars.sum }" } },
  ],
  connections: [
    { source: "start", target: "init" },
    { source: "init", target: "loop" },
    { source: "loop", target: "add", port: "loop" },
    { source: "loop", target: "end", port: "done" },
  ],
};

export const sleepyFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "log", type: "LOG", name: "log", data: { message: "'sleeping'" } },
    { id: "nap", type: "WAIT", name: "nap", data: { seconds: "input.seconds" } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'slept': input.seconds }" } },
  ],
  connections: [
    { source: "start", target: "log" },
    { source: "log", target: "nap" },
    { source: "nap", target: "end" },
  ],
};

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
