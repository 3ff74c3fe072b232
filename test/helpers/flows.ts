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

export { countingFlow, sleepyFlow } from "../support/flows.mjs";
