// A runtime failure ends the job with JOB_EXECUTION_ERROR, naming the node and saying what went
// wrong in words a flow author can act on.
import { describe, expect, it } from "vitest";
import { edge, flow, node, runFlow } from "./run-flow";

/** start → <the node under test> → after (a LOG that must not run). */
function failingAt(type: string, data: Record<string, unknown>) {
  return flow(
    [node("start", "START"), { id: "n1", type, name: "broken", data }, node("after", "LOG", { message: "'after'" })],
    [edge("start", "n1"), edge("n1", "after")],
  );
}

async function failure(definition: ReturnType<typeof failingAt>, input: unknown = {}) {
  const run = await runFlow(definition, input);
  expect(run.logs).toEqual([]);
  expect(run.result).toMatchObject({ kind: "failed", code: "JOB_EXECUTION_ERROR", node: "broken" });
  expect(run.engine.nodeStates).toMatchObject({ n1: "error", after: "pending" });
  return run.result.kind === "failed" ? run.result.message : "";
}

describe("runtime failures", () => {
  it("reports a JSONata syntax error with the field, the expression and the position", async () => {
    const message = await failure(failingAt("ASSIGN", { assign: { total: "$sum(input.items" } }));

    expect(message).toMatch(/^ASSIGN 'broken': assign\.total: expression "\$sum\(input\.items" is invalid: .+ \(S0\d+ at position \d+/);
  });

  it("reports a JSONata evaluation error", async () => {
    const message = await failure(failingAt("LOG", { message: "input.name + 1" }), { name: "Ada" });

    expect(message).toMatch(/^LOG 'broken': message: expression "input\.name \+ 1" failed: .*must evaluate to a number.* \(T2001 at position \d+/);
  });

  it("reports a FOREACH whose items are not an array", async () => {
    const message = await failure(failingAt("FOREACH", { items: "input.order" }), { order: { id: 1 } });

    expect(message).toMatch(/^FOREACH 'broken': items: expected an array to loop over, got an object \(end a path with \[\]/);
  });

  it("reports an unknown node type", async () => {
    const message = await failure(failingAt("TELEPORT", {}));

    expect(message).toMatch(/^TELEPORT 'broken': unknown node type; known types are START, ASSIGN, LOG, WAIT, FOREACH, END/);
  });

  it("reports node data of the wrong shape, field by field", async () => {
    const message = await failure(failingAt("ASSIGN", { assign: { total: 5 } }));

    expect(message).toMatch(/^ASSIGN 'broken': invalid node data: data\.assign\.total: .*expected string/);
  });

  it("reports a FOREACH with neither items nor while", async () => {
    const message = await failure(failingAt("FOREACH", { collect: "1" }));

    expect(message).toBe("FOREACH 'broken': invalid node data: data: needs exactly one of `items` or `while`");
  });
});
