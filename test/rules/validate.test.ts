// Save-time validation through the API: every problem of a definition is listed at once, each with a
// path naming the node by name (or the connection / row) and the field; limits of DESIGN.md §6.
import { beforeAll, describe, expect, it } from "vitest";
import { call, createTenant, type Tenant } from "../helpers/api";

let tenant: Tenant;
beforeAll(async () => {
  tenant = await createTenant();
  // The decision table everyNode's BUSINESS_RULE names, with the version it asks for (3).
  const discounts = { hitPolicy: "FIRST_MATCH", inputs: [], outputs: [{ id: "o1", path: "rate" }], rows: [{ outputs: { o1: { value: 0 } } }] };
  await call("POST", "/api/rules", { key: tenant.managementKey, body: { name: "discounts", alias: "discounts", type: "decision-table", definition: discounts } });
  for (let version = 2; version <= 3; version++) {
    await call("POST", "/api/rules/discounts/versions", { key: tenant.managementKey, body: { definition: discounts } });
  }
});

const save = (definition: unknown, type = "integration-flow") =>
  call("POST", "/api/rules", { key: tenant.managementKey, body: { name: "rule", type, definition } });

/** The errors of a refused save, as `path: message` lines. */
async function refusal(definition: unknown, type?: string) {
  const response = await save(definition, type);
  expect(response.status, JSON.stringify(response.body)).toBe(422);
  expect(response.headers.get("content-type")).toContain("application/problem+json");
  expect(response.body.type).toBe("invalid-definition");
  return response.body.errors as { path: string; message: string }[];
}

const n = (id: string, type: string, data?: Record<string, unknown>, name = id) => (data ? { id, type, name, data } : { id, type, name });
const c = (source: string, target: string, port?: string) => (port ? { source, target, port } : { source, target });

/** A flow using every node type, loops and branches included. */
const everyNode = {
  inputSchema: { type: "object", required: ["orders"] },
  nodes: [
    n("start", "START"),
    n("init", "ASSIGN", { vars: { total: "0" } }),
    n("each", "FOREACH", { items: "input.orders", collect: "price" }),
    n("fetch", "REST_API", { url: "'https://example.com/orders/' & each.currentItem.id", headers: { accept: "'application/json'" }, retries: 2 }, "fetch-order"),
    n("price", "BUSINESS_RULE", { rule: "discounts", version: 3, input: "`fetch-order`.data" }),
    n("add", "ASSIGN", { vars: { total: "vars.total + 1" } }),
    n("route", "SWITCH", { cases: [{ when: "vars.total > 10", port: "big" }], mode: "all" }),
    n("nap", "WAIT", { seconds: "1" }),
    n("say", "LOG", { message: "'total ' & vars.total", level: "warn" }),
    n("shape", "CODE", { code: "return { total: context.vars.total }", timeoutMs: 500 }),
    n("end", "END", { output: "shape" }),
  ],
  connections: [
    c("start", "init"),
    c("init", "each"),
    c("each", "fetch", "loop"),
    c("fetch", "price"),
    c("price", "add"),
    c("add", "each"),
    c("each", "route", "done"),
    c("route", "nap", "big"),
    c("route", "say", "default"),
    c("nap", "say"),
    c("say", "shape"),
    c("shape", "end"),
  ],
};

describe("rule validation on save", () => {
  it("saves a flow using every node type, with a loop body leading back to its FOREACH", async () => {
    const response = await save(everyNode);
    expect(response.status, JSON.stringify(response.body)).toBe(201);
  });

  it("requires exactly one START", async () => {
    expect(await refusal({ nodes: [n("end", "END")], connections: [] })).toEqual([
      { path: "definition.nodes", message: "has no START node; a flow needs exactly one" },
    ]);
    expect(await refusal({ nodes: [n("a", "START"), n("b", "START")], connections: [c("a", "b")] })).toEqual(
      expect.arrayContaining([{ path: "definition.nodes[b].type", message: "is a second START node (the first is 'a'); a flow needs exactly one" }]),
    );
  });

  it("refuses connections to unknown node ids, naming the connection and the end", async () => {
    const errors = await refusal({ nodes: [n("start", "START"), n("end", "END")], connections: [c("start", "end"), c("end", "ghost"), c("nobody", "end")] });
    expect(errors).toEqual([
      { path: "definition.connections[1].target", message: "refers to unknown node id 'ghost'" },
      { path: "definition.connections[2].source", message: "refers to unknown node id 'nobody'" },
    ]);
  });

  it("refuses duplicate node names and ids", async () => {
    const errors = await refusal({
      nodes: [n("start", "START"), n("a", "LOG", { message: "'x'" }, "say"), n("b", "LOG", { message: "'y'" }, "say"), n("b", "END", undefined, "end")],
      connections: [c("start", "a"), c("a", "b")],
    });
    expect(errors).toEqual(
      expect.arrayContaining([
        { path: "definition.nodes[say].name", message: "is used by 2 nodes; names must be unique, as expressions refer to nodes by name" },
        { path: "definition.nodes[say].id", message: "id 'b' is used by 2 nodes; ids must be unique" },
        { path: "definition.nodes[end].id", message: "id 'b' is used by 2 nodes; ids must be unique" },
      ]),
    );
  });

  it("refuses connections from ports the source node does not have", async () => {
    const errors = await refusal({
      nodes: [
        n("start", "START"),
        n("route", "SWITCH", { cases: [{ when: "input.a", port: "yes" }] }),
        n("each", "FOREACH", { items: "[1]" }),
        n("end", "END"),
      ],
      connections: [c("start", "route", "out"), c("route", "each", "maybe"), c("each", "end")],
    });
    expect(errors).toEqual([
      { path: "definition.connections[0].port", message: "START 'start' has no port 'out'; its ports are default" },
      { path: "definition.connections[1].port", message: "SWITCH 'route' has no port 'maybe'; its ports are yes, default" },
      { path: "definition.connections[2]", message: "FOREACH 'each' has no port 'default'; its ports are loop, done" },
    ]);
  });

  it("refuses cycles outside FOREACH bodies, naming the nodes on the cycle", async () => {
    const errors = await refusal({
      nodes: [n("start", "START"), n("a", "LOG", { message: "'a'" }), n("b", "LOG", { message: "'b'" }), n("c", "LOG", { message: "'c'" })],
      connections: [c("start", "a"), c("a", "b"), c("b", "c"), c("c", "a"), c("c", "c")],
    });
    expect(errors).toEqual([{ path: "definition.connections[4].target", message: "leads from 'c' back to itself; only a FOREACH can repeat nodes" }]);

    const cycle = await refusal({
      nodes: [n("start", "START"), n("a", "LOG", { message: "'a'" }), n("b", "LOG", { message: "'b'" }), n("c", "LOG", { message: "'c'" })],
      connections: [c("start", "a"), c("a", "b"), c("b", "c"), c("c", "a")],
    });
    expect(cycle).toEqual([
      {
        path: "definition.connections[3].target",
        message: "closes the cycle a → b → c → a; a flow can only repeat nodes in the body of a FOREACH (port loop), leading back to it",
      },
    ]);
  });

  it("refuses a cycle inside a FOREACH body that does not go through the FOREACH", async () => {
    const errors = await refusal({
      nodes: [n("start", "START"), n("each", "FOREACH", { items: "[1]" }), n("a", "LOG", { message: "'a'" }), n("b", "LOG", { message: "'b'" })],
      connections: [c("start", "each"), c("each", "a", "loop"), c("a", "b"), c("b", "a")],
    });
    expect(errors).toEqual([expect.objectContaining({ path: "definition.connections[3].target", message: expect.stringContaining("closes the cycle a → b → a") })]);
  });

  it("refuses nodes that cannot be reached from START", async () => {
    const errors = await refusal({
      nodes: [n("start", "START"), n("end", "END"), n("orphan", "LOG", { message: "'x'" }), n("after-orphan", "LOG", { message: "'y'" })],
      connections: [c("start", "end"), c("orphan", "after-orphan")],
    });
    expect(errors).toEqual([
      { path: "definition.nodes[orphan]", message: "is not reachable from START; connect it or remove it" },
      { path: "definition.nodes[after-orphan]", message: "is not reachable from START; connect it or remove it" },
    ]);
  });

  it("refuses JSONata expressions that do not parse, naming node and field", async () => {
    const errors = await refusal({
      nodes: [
        n("start", "START"),
        n("prep", "ASSIGN", { assign: { total: "$sum(input.items.price" } }),
        n("call", "REST_API", { url: "'https://x.test'", headers: { auth: "'Bearer ' &" } }, "fetch-orders"),
        n("route", "SWITCH", { cases: [{ when: "input.a ==== 1", port: "a" }] }),
        n("end", "END", { output: "}" }),
      ],
      connections: [c("start", "prep"), c("prep", "call"), c("call", "route"), c("route", "end")],
    });
    expect(errors.map((error) => error.path)).toEqual([
      "definition.nodes[prep].data.assign.total",
      "definition.nodes[fetch-orders].data.headers.auth",
      "definition.nodes[route].data.cases[0].when",
      "definition.nodes[end].data.output",
    ]);
    expect(errors[0].message).toMatch(/^is not a valid JSONata expression: /);
  });

  it("refuses node data that does not match the node type, and unknown node types", async () => {
    const errors = await refusal({
      nodes: [
        n("start", "START"),
        n("call", "REST_API", { method: "FETCH", timeoutMs: -1 }, "fetch-orders"),
        n("rule", "BUSINESS_RULE", { rule: "", version: "newest" }),
        n("wait", "WAIT", {}),
        n("odd", "TELEPORT"),
      ],
      connections: [c("start", "call"), c("call", "rule"), c("rule", "wait"), c("wait", "odd")],
    });
    const paths = errors.map((error) => error.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "definition.nodes[fetch-orders].data.method",
        "definition.nodes[fetch-orders].data.url",
        "definition.nodes[fetch-orders].data.timeoutMs",
        "definition.nodes[rule].data.rule",
        "definition.nodes[rule].data.version",
        "definition.nodes[wait].data",
        "definition.nodes[odd].type",
      ]),
    );
    expect(errors.find((error) => error.path === "definition.nodes[odd].type")!.message).toMatch(/^'TELEPORT' is not a node type; the types are START, /);
  });

  it("names nodes by name in shape errors too", async () => {
    const errors = await refusal({ nodes: [{ id: "start", type: "START", name: "start" }, { id: 7, type: "LOG", name: "say" }], connections: [] });
    expect(errors).toEqual([{ path: "definition.nodes[say].id", message: expect.any(String) }]);
  });

  it("refuses an inputSchema that is not a valid draft 2020-12 schema, naming the place in it", async () => {
    const errors = await refusal({ inputSchema: { type: "thing" }, nodes: [n("start", "START")], connections: [] });
    expect(errors).toEqual([{ path: "definition.inputSchema.type", message: expect.any(String) }]);

    const broken = {
      $defs: { sku: { type: "string", pattern: "([A-Z" } },
      properties: { sku: { $ref: "#/$defs/sku" }, other: { $ref: "#/$defs/missing" }, size: { minimum: "3" } },
    };
    expect(await refusal({ inputSchema: broken, nodes: [n("start", "START")], connections: [] })).toEqual([
      { path: "definition.inputSchema.$defs.sku.pattern", message: "must be a valid regex" },
      { path: "definition.inputSchema.properties.size.minimum", message: "must be a number" },
    ]);
    expect(await refusal({ inputSchema: { properties: { other: { $ref: "#/$defs/missing" } } }, nodes: [n("start", "START")], connections: [] })).toEqual([
      { path: "definition.inputSchema.properties.other.$ref", message: expect.stringMatching(/^points to '#\/\$defs\/missing', which is not in this schema/) },
    ]);
  });

  it("refuses CODE that does not compile, naming the node and the line, and CODE data out of range", async () => {
    const errors = await refusal({
      nodes: [
        n("start", "START"),
        n("calc", "CODE", { code: "const total = context.input.items\n  .reduce((sum, item) => sum + item.price, 0;\nreturn { total };" }),
        n("slow", "CODE", { code: "return 1", timeoutMs: 60_000 }),
        n("empty", "CODE", {}),
      ],
      connections: [c("start", "calc"), c("calc", "slow"), c("slow", "empty")],
    });

    expect(errors).toEqual([
      { path: "definition.nodes[slow].data.timeoutMs", message: expect.stringMatching(/10000/) },
      { path: "definition.nodes[empty].data.code", message: expect.any(String) },
      { path: "definition.nodes[calc].data.code", message: "does not compile: SyntaxError: expecting ',' (line 2, column 45)" },
    ]);
  });

  it("lists every problem at once", async () => {
    const errors = await refusal({
      nodes: [n("start", "START"), n("a", "LOG", { message: "(" }), n("a2", "LOG", { message: "'x'" }, "a")],
      connections: [c("start", "a"), c("a", "zzz")],
    });
    expect(errors.length).toBe(4);
  });

  it("validates new versions the same way", async () => {
    const created = await save({ nodes: [n("start", "START")], connections: [] });
    expect(created.status).toBe(201);
    const response = await call("POST", `/api/rules/${created.body.ruleId}/versions`, {
      key: tenant.managementKey,
      body: { definition: { nodes: [n("start", "START"), n("lost", "END")], connections: [] } },
    });
    expect(response.status).toBe(422);
    expect(response.body.errors).toEqual([{ path: "definition.nodes[lost]", message: "is not reachable from START; connect it or remove it" }]);
  });

  it("saves a flow of 2,000 nodes and refuses one of 2,001", async () => {
    const chain = (count: number) => {
      const nodes = [n("start", "START"), ...Array.from({ length: count - 1 }, (_, index) => n(`log-${index}`, "LOG", { message: `'line ${index}'` }))];
      const connections = nodes.slice(1).map((node, index) => c(nodes[index].id, node.id));
      return { nodes, connections };
    };
    const saved = await save(chain(2000));
    expect(saved.status, JSON.stringify(saved.body).slice(0, 500)).toBe(201);

    expect(await refusal(chain(2001))).toEqual([{ path: "definition.nodes", message: "has 2001 nodes; the limit is 2000" }]);
  });

  it("refuses a definition over 1 MiB", async () => {
    const errors = await refusal({ nodes: [n("start", "START", { note: "x".repeat(1024 * 1024) })], connections: [] });
    expect(errors).toEqual([{ path: "definition", message: expect.stringMatching(/^is \d+ bytes; the limit is 1 MiB$/) }]);
  });
});

describe("decision table validation on save", () => {
  const table = {
    hitPolicy: "FIRST_MATCH",
    inputs: [{ id: "c1", expression: "segment" }],
    outputs: [{ id: "o1", path: "prices.base" }],
    rows: [{ conditions: { c1: { op: "=", value: "gold" } }, outputs: { o1: { value: 1 } } }],
  };

  it("saves a valid table", async () => {
    expect((await save(table, "decision-table")).status).toBe(201);
  });

  it("refuses rows naming unknown columns, overlapping output paths and bad expressions", async () => {
    const errors = await refusal(
      {
        ...table,
        inputs: [...table.inputs, { id: "c2", expression: "amount >" }],
        outputs: [...table.outputs, { id: "o2", path: "prices" }],
        rows: [{ conditions: { c9: { op: "ANY" } }, outputs: { o7: { value: 1 }, o1: { expression: "((" } } }],
      },
      "decision-table",
    );
    expect(errors.map((error) => error.path)).toEqual([
      "definition.inputs[1].expression",
      "definition.outputs[1].path",
      "definition.rows[0].conditions.c9",
      "definition.rows[0].outputs.o7",
      "definition.rows[0].outputs.o1.expression",
    ]);
    expect(errors[2].message).toBe("refers to unknown input column 'c9'; the inputs are c1, c2");
  });

  it("refuses unknown operators, values that do not fit the operator, and an unknown hit policy", async () => {
    const errors = await refusal(
      {
        ...table,
        hitPolicy: "ANY_MATCH",
        rows: [{ conditions: { c1: { op: "LIKE", value: "g%" } } }, { conditions: { c1: { op: "BTW", value: 3 } } }],
      },
      "decision-table",
    );
    expect(errors.map((error) => error.path)).toEqual(["definition.hitPolicy", "definition.rows[0].conditions.c1.op", "definition.rows[1].conditions.c1.value"]);
  });
});
