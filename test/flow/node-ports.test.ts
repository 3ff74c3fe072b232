// The designer draws a node's ports from web/src/lib/node-ports.ts; the save accepts connections from
// the ports each node type's handler names. They must agree for every type, or the canvas offers a
// port the save refuses (or hides one it needs). END is the one difference: it completes the job,
// so the designer draws no out-port on it.
import { describe, expect, it } from "vitest";
import { NODE_HANDLERS } from "../../worker/flow/nodes/index";
import { hasInput, portsOf } from "../../web/src/lib/node-ports";

/** Representative data of every node type (valid, so the handler's `ports` sees it parsed). */
const SAMPLES: Record<string, Record<string, unknown>[]> = {
  START: [{}],
  END: [{}, { output: "1" }],
  ASSIGN: [{ assign: { a: "1" } }],
  SWITCH: [
    { cases: [] },
    { cases: [{ when: "input.big", port: "big" }] },
    { cases: [{ when: "a", port: "x" }, { when: "b", port: "y" }, { when: "c", port: "x" }], mode: "all" },
    { cases: [{ when: "a", port: "default" }, { when: "b", port: "z" }] },
  ],
  FOREACH: [{ items: "input.items" }, { while: "vars.more", maxIterations: 5 }],
  LOG: [{ message: "'hi'" }],
  WAIT: [{ seconds: "1" }],
  BUSINESS_RULE: [{ rule: "table" }],
  REST_API: [{ url: "'https://example.test'" }, { url: "item", items: "input.ids", concurrency: 5 }],
  DATABASE_QUERY: [{ connector: "db", sql: "SELECT 1" }],
  DATABASE_ROW: [{ connector: "db", sql: "SELECT 1" }],
  DATABASE_EXECUTE: [{ connector: "db", sql: "DELETE FROM t" }],
  CODE: [{ code: "return 1;" }],
};

describe("node ports: the designer's and the save's", () => {
  it("has sample data for every node type", () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(NODE_HANDLERS).sort());
  });

  for (const [type, handler] of Object.entries(NODE_HANDLERS)) {
    it(`${type}: portsOf gives the ports the save accepts`, () => {
      for (const sample of SAMPLES[type] ?? []) {
        const parsed = handler.dataSchema ? handler.dataSchema.parse(sample) : sample;
        const accepted = handler.ports?.(parsed as never) ?? ["default"];
        expect(portsOf(type, sample), JSON.stringify(sample)).toEqual(type === "END" ? [] : accepted);
      }
    });
  }

  it("draws SWITCH cases in order, each port once, then default; a case without a port yet adds none", () => {
    expect(portsOf("SWITCH", { cases: [{ when: "a", port: "b" }, { when: "c", port: "a" }, { when: "d", port: "b" }] })).toEqual(["b", "a", "default"]);
    expect(portsOf("SWITCH", { cases: [{ when: "a" }, { when: "b", port: "" }] })).toEqual(["default"]);
    expect(portsOf("SWITCH", undefined)).toEqual(["default"]);
  });

  it("gives every node an input but START", () => {
    for (const type of Object.keys(NODE_HANDLERS)) expect(hasInput(type), type).toBe(type !== "START");
  });
});
