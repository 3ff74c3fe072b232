// The designer's model: every edit the canvas, the inspector and the keyboard make, as pure functions.
import { describe, expect, it } from "vitest";
import type { FlowDefinition } from "../../web/src/api/types";
import {
  addNode,
  connect,
  connectionId,
  connectionProblem,
  draftOf,
  isDirty,
  newFlowDefinition,
  placeErrors,
  removeConnections,
  removeNodes,
  updateNode,
} from "../../web/src/designer/model";

const loop: FlowDefinition = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "each", type: "FOREACH", name: "each", data: { items: "input.items" } },
    { id: "route", type: "SWITCH", name: "route", data: { cases: [{ when: "each.currentItem > 1", port: "big" }] } },
    { id: "end", type: "END", name: "end", data: { output: "{}" } },
  ],
  connections: [
    { source: "start", target: "each" },
    { source: "each", target: "route", port: "loop" },
    { source: "each", target: "end", port: "done" },
  ],
};

describe("designer model", () => {
  it("starts a new flow with START connected to END", () => {
    const definition = newFlowDefinition();
    expect(definition.nodes.map((node) => node.type)).toEqual(["START", "END"]);
    expect(definition.connections).toEqual([{ source: "start", target: "end" }]);
  });

  it("adds nodes with unique ids and names and the data a save needs", () => {
    let draft = draftOf(newFlowDefinition());
    const first = addNode(draft, "ASSIGN");
    const second = addNode(first.draft, "ASSIGN", { x: 10, y: 20 });
    draft = second.draft;
    expect([first.id, second.id]).toEqual(["assign", "assign-2"]);
    expect(draft.definition.nodes.slice(2)).toEqual([
      { id: "assign", type: "ASSIGN", name: "assign", data: { vars: {} } },
      { id: "assign-2", type: "ASSIGN", name: "assign-2", data: { vars: {} } },
    ]);
    expect(draft.positions["assign-2"]).toEqual({ x: 10, y: 20 });
    // Below every node when no place is given.
    expect(draft.positions.assign.y).toBeGreaterThan(Math.max(draft.positions.start.y, draft.positions.end.y));
  });

  it("connects a port once, stores the default port without `port`, and refuses what the save would", () => {
    let draft = draftOf(loop);
    draft = connect(draft, "route", "big", "end");
    draft = connect(draft, "route", "default", "end");
    expect(draft.definition.connections.slice(3)).toEqual([{ source: "route", target: "end", port: "big" }, { source: "route", target: "end" }]);
    expect(connect(draft, "route", "big", "end")).toBe(draft);
    expect(connectionProblem(draft.definition, "route", "big", "end")).toBe("that connection exists already");
    expect(connectionProblem(draft.definition, "each", "nope", "end")).toBe("each has no port 'nope'");
    expect(connectionProblem(draft.definition, "end", "default", "route")).toBe("end has no port 'default'");
    expect(connectionProblem(draft.definition, "route", "big", "start")).toBe("start (START) takes no incoming connection");
    expect(connectionProblem(draft.definition, "route", "big", "route")).toBe("a node cannot connect to itself");
  });

  it("drops the connections of a SWITCH case that was removed", () => {
    let draft = connect(draftOf(loop), "route", "big", "end");
    draft = updateNode(draft, "route", { data: { cases: [{ when: "true", port: "small" }] } });
    expect(draft.definition.connections.filter((connection) => connection.source === "route")).toEqual([]);
    expect(draft.definition.nodes.find((node) => node.id === "route")!.data).toEqual({ cases: [{ when: "true", port: "small" }] });
  });

  it("removes nodes with their connections, and connections by id", () => {
    const draft = draftOf(loop);
    const withoutRoute = removeNodes(draft, new Set(["route"]));
    expect(withoutRoute.definition.nodes.map((node) => node.id)).toEqual(["start", "each", "end"]);
    expect(withoutRoute.definition.connections).toEqual([loop.connections[0], loop.connections[2]]);
    expect(withoutRoute.positions.route).toBeUndefined();
    const withoutDone = removeConnections(draft, new Set([connectionId(loop.connections[2])]));
    expect(withoutDone.definition.connections).toEqual(loop.connections.slice(0, 2));
  });

  it("places a refused save's errors on the node (by name) and field, the connection, or the rest", () => {
    const placed = placeErrors(loop, [
      { path: "definition.nodes[route].data.cases[0].when", message: "does not parse" },
      { path: "definition.nodes[each].data", message: "needs items or while" },
      { path: "definition.nodes[end].name", message: "is taken" },
      { path: "definition.connections[2].port", message: "is not a port of each" },
      { path: "definition.inputSchema", message: "is not a schema" },
      { path: "definition.nodes[ghost].data.url", message: "no such node" },
    ]);
    expect(placed.nodes).toEqual({
      route: [{ field: "cases[0].when", message: "does not parse" }],
      each: [{ field: "", message: "needs items or while" }],
      end: [{ field: "name", message: "is taken" }],
    });
    expect(placed.connections).toEqual({ "each:done->end": ["is not a port of each"] });
    expect(placed.other.map((error) => error.path)).toEqual(["definition.inputSchema", "definition.nodes[ghost].data.url"]);
  });

  it("is dirty once the definition differs from the saved one, not for a move", () => {
    const draft = draftOf(loop);
    expect(isDirty(draft, loop)).toBe(false);
    expect(isDirty({ ...draft, positions: { ...draft.positions, end: { x: 1, y: 1 } } }, loop)).toBe(false);
    expect(isDirty(updateNode(draft, "end", { name: "finish" }), loop)).toBe(true);
  });
});
