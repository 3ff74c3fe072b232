// The example flow of DESIGN.md §6, run end to end.
import { describe, expect, it } from "vitest";
import { runFlow } from "./run-flow";

export const designExample = {
  inputSchema: { type: "object", required: ["items"] },
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "n1", type: "ASSIGN", name: "prep", data: { assign: { total: "$sum(input.items.price)" } } },
    { id: "n2", type: "FOREACH", name: "each", data: { items: "input.items" } },
    { id: "n3", type: "LOG", name: "say", data: { message: "'item ' & each.index" } },
    { id: "n4", type: "END", name: "end", data: { output: "{ 'total': prep.total }" } },
  ],
  connections: [
    { source: "start", target: "n1" },
    { source: "n1", target: "n2" },
    { source: "n2", target: "n3", port: "loop" },
    { source: "n2", target: "n4", port: "done" },
  ],
};

describe("the DESIGN.md example flow", () => {
  it("sums the prices, logs each item and ends with the total", async () => {
    const run = await runFlow(designExample, { items: [{ price: 2 }, { price: 3.5 }] });

    expect(run.result).toEqual({ kind: "completed", output: { total: 5.5 } });
    expect(run.logs).toEqual([
      { level: "info", node: "say", message: "item 0" },
      { level: "info", node: "say", message: "item 1" },
    ]);
    // start, prep, end: 1 each; say: once per item; each: 2 iteration starts + 1 finish.
    expect(run.steps).toBe(8);
    expect(run.engine.nodeStates).toEqual({ start: "done", n1: "done", n2: "done", n3: "done", n4: "done" });
  });
});
