// The flow graph's layout input and dagre's output for the demo countdown flow.
import { describe, expect, it } from "vitest";
import type { FlowDefinition } from "../../web/src/api/types";
import { edgePath, graphInput, layoutFlow, NODE_HEIGHT, NODE_WIDTH, nodeStateOf, runBadge } from "../../web/src/lib/graph-layout";

const countdown: FlowDefinition = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "ticks", type: "FOREACH", name: "ticks" },
    { id: "say", type: "LOG", name: "say" },
    { id: "nap", type: "WAIT", name: "nap" },
    { id: "end", type: "END", name: "end" },
  ],
  connections: [
    { source: "start", target: "ticks" },
    { source: "ticks", target: "say", port: "loop" },
    { source: "say", target: "nap" },
    { source: "ticks", target: "end", port: "done" },
    { source: "nap", target: "gone" },
  ],
};

describe("graphInput", () => {
  it("has one box per node and one edge per connection, labelled by port, dropping dangling ones", () => {
    const input = graphInput(countdown);
    expect(input.nodes.map((node) => [node.id, node.type, node.width, node.height])).toEqual(
      countdown.nodes.map((node) => [node.id, node.type, NODE_WIDTH, NODE_HEIGHT]),
    );
    expect(input.edges).toEqual([
      { source: "start", target: "ticks", label: null },
      { source: "ticks", target: "say", label: "loop" },
      { source: "say", target: "nap", label: null },
      { source: "ticks", target: "end", label: "done" },
    ]);
  });
});

describe("layoutFlow", () => {
  it("places nodes top to bottom without overlaps and routes every edge", () => {
    const layout = layoutFlow(countdown);
    const at = Object.fromEntries(layout.nodes.map((node) => [node.id, node]));
    expect(at.start.y).toBeLessThan(at.ticks.y);
    expect(at.ticks.y).toBeLessThan(at.say.y);
    expect(at.say.y).toBeLessThan(at.nap.y);
    for (const a of layout.nodes)
      for (const b of layout.nodes)
        if (a !== b) expect(a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y).toBe(true);
    for (const node of layout.nodes) {
      expect(node.x).toBeGreaterThanOrEqual(0);
      expect(node.x + node.width).toBeLessThanOrEqual(layout.width);
      expect(node.y + node.height).toBeLessThanOrEqual(layout.height);
    }
    expect(layout.edges.every((edge) => edge.points.length >= 2)).toBe(true);
  });

  it("draws edges as SVG paths and reads node states", () => {
    expect(edgePath([{ x: 1, y: 2 }, { x: 3.25, y: 4 }])).toBe("M1.0,2.0 L3.3,4.0");
    expect(nodeStateOf({ a: "running", b: "weird" }, "a")).toBe("running");
    expect(nodeStateOf({ a: "running", b: "weird" }, "b")).toBe("pending");
    expect(nodeStateOf(undefined, "a")).toBe("pending");
    expect(nodeStateOf({ a: "canceled" }, "a")).toBe("canceled");
    expect(nodeStateOf({}, "constructor")).toBe("pending");
  });

  it("badges a node with its run count only when it ran more than once", () => {
    expect(runBadge({ a: 3, b: 1 }, "a")).toBe("×3");
    expect(runBadge({ a: 3, b: 1 }, "b")).toBeNull();
    expect(runBadge({ a: 3 }, "never")).toBeNull();
    expect(runBadge(undefined, "a")).toBeNull();
    expect(runBadge({}, "constructor")).toBeNull();
  });
});
