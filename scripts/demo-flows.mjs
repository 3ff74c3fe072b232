// The sample flows `npm start` publishes in the demo space (documented in the README).
export const demoFlows = [
  {
    name: "Hello",
    alias: "hello",
    type: "integration-flow",
    definition: {
      inputSchema: { type: "object", properties: { name: { type: "string" } } },
      nodes: [
        { id: "start", type: "START", name: "start" },
        { id: "greet", type: "ASSIGN", name: "greet", data: { assign: { text: "'Hello, ' & (input.name ? input.name : 'world')" } } },
        { id: "say", type: "LOG", name: "say", data: { message: "greet.text" } },
        { id: "end", type: "END", name: "end", data: { output: "{ 'greeting': greet.text }" } },
      ],
      connections: [
        { source: "start", target: "greet" },
        { source: "greet", target: "say" },
        { source: "say", target: "end" },
      ],
    },
  },
  {
    name: "Slow countdown",
    alias: "countdown",
    type: "integration-flow",
    definition: {
      nodes: [
        { id: "start", type: "START", name: "start" },
        { id: "ticks", type: "FOREACH", name: "ticks", data: { items: "[1..(input.minutes ? input.minutes : 5) * 6]", collect: "ticks.index" } },
        { id: "say", type: "LOG", name: "say", data: { message: "'tick ' & ticks.currentItem & ' of ' & ticks.length" } },
        { id: "nap", type: "WAIT", name: "nap", data: { seconds: "10" } },
        { id: "end", type: "END", name: "end", data: { output: "{ 'ticks': $count(ticks.results) }" } },
      ],
      connections: [
        { source: "start", target: "ticks" },
        { source: "ticks", target: "say", port: "loop" },
        { source: "say", target: "nap" },
        { source: "ticks", target: "end", port: "done" },
      ],
    },
  },
  {
    name: "Busy loop",
    alias: "busy",
    type: "integration-flow",
    definition: {
      nodes: [
        { id: "start", type: "START", name: "start" },
        { id: "init", type: "ASSIGN", name: "init", data: { vars: { i: "0", sum: "0" } } },
        { id: "loop", type: "FOREACH", name: "loop", data: { while: "vars.i < (input.n ? input.n : 100000)" } },
        { id: "add", type: "ASSIGN", name: "add", data: { vars: { i: "vars.i + 1", sum: "vars.sum + vars.i" } } },
        { id: "end", type: "END", name: "end", data: { output: "{ 'count': vars.i, 'sum': vars.sum }" } },
      ],
      connections: [
        { source: "start", target: "init" },
        { source: "init", target: "loop" },
        { source: "loop", target: "add", port: "loop" },
        { source: "loop", target: "end", port: "done" },
      ],
    },
  },
];
