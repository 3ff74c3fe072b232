// The sample rules `npm start` publishes in the demo space (documented in the README), in order:
// the decision table first, since the order-enrichment flow calls it (a flow naming a missing table is refused).

/**
 * The sample rules for a server at `origin`. A REST_API node needs an absolute URL and a flow does not
 * know where it runs, so the order-enrichment flow calls the demo API at `input.apiBase`, or else at
 * the origin it was published for.
 */
export const demoFlows = (origin) => [
  {
    name: "Customer score",
    alias: "customer-score",
    type: "decision-table",
    definition: {
      hitPolicy: "FIRST_MATCH",
      inputs: [
        { id: "segment", expression: "segment" },
        { id: "orders", expression: "orders" },
      ],
      outputs: [
        { id: "points", path: "points" },
        { id: "tier", path: "tier" },
      ],
      rows: [
        { conditions: { segment: { op: "=", value: "gold" }, orders: { op: ">=", value: 3 } }, outputs: { points: { value: 80 }, tier: { value: "A" } } },
        { conditions: { segment: { op: "IN", value: ["gold", "silver"] } }, outputs: { points: { value: 50 }, tier: { value: "B" } } },
        { conditions: { orders: { op: ">=", value: 4 } }, outputs: { points: { value: 40 }, tier: { value: "B" } } },
        { conditions: { segment: { op: "ANY" } }, outputs: { points: { value: 10 }, tier: { value: "C" } } },
      ],
    },
  },
  {
    name: "Score customers",
    alias: "score-customers",
    type: "integration-flow",
    definition: scoreCustomers,
  },
  {
    name: "Order discounts",
    alias: "discounts",
    type: "decision-table",
    definition: {
      hitPolicy: "FIRST_MATCH",
      inputs: [
        { id: "segment", expression: "segment" },
        { id: "amount", expression: "amount" },
      ],
      outputs: [{ id: "rate", path: "discount" }],
      rows: [
        { conditions: { segment: { op: "=", value: "gold" }, amount: { op: ">=", value: 100 } }, outputs: { rate: { value: 0.2 } } },
        { conditions: { segment: { op: "IN", value: ["gold", "silver"] } }, outputs: { rate: { value: 0.1 } } },
        { conditions: { segment: { op: "ANY" } }, outputs: { rate: { value: 0 } } },
      ],
    },
  },
  {
    name: "Order enrichment",
    alias: "orders",
    type: "integration-flow",
    definition: {
      inputSchema: {
        type: "object",
        required: ["orders"],
        properties: { orders: { type: "array", items: { type: "object", required: ["id", "customerId", "amount"] } } },
      },
      nodes: [
        { id: "start", type: "START", name: "start" },
        { id: "setup", type: "ASSIGN", name: "setup", data: { assign: { api: `input.apiBase ? input.apiBase : ${JSON.stringify(origin)}` }, vars: { total: "0", discounted: "0" } } },
        { id: "each", type: "FOREACH", name: "each", data: { items: "input.orders", collect: "summary" } },
        { id: "customer", type: "REST_API", name: "customer", data: { method: "GET", url: "setup.api & '/demo/customers/' & each.currentItem.customerId", retries: 2 } },
        { id: "discount", type: "BUSINESS_RULE", name: "discount", data: { rule: "discounts", version: "latest", input: "{ 'segment': customer.data.segment, 'amount': each.currentItem.amount }" } },
        { id: "route", type: "SWITCH", name: "route", data: { cases: [{ when: "discount.discount > 0", port: "discounted" }] } },
        { id: "apply", type: "ASSIGN", name: "apply", data: { assign: { price: "each.currentItem.amount * (1 - discount.discount)" }, vars: { discounted: "vars.discounted + 1" } } },
        { id: "full", type: "ASSIGN", name: "full", data: { assign: { price: "each.currentItem.amount" } } },
        { id: "summary", type: "ASSIGN", name: "summary", data: { assign: { order: "each.currentItem.id", customer: "customer.data.name", price: "'discounted' in route.ports ? apply.price : full.price" }, vars: { total: "vars.total + ('discounted' in route.ports ? apply.price : full.price)" } } },
        { id: "say", type: "LOG", name: "say", data: { message: "'order ' & each.currentItem.id & ' → ' & summary.price" } },
        { id: "end", type: "END", name: "end", data: { output: "{ 'orders': each.results, 'total': vars.total, 'discounted': vars.discounted }" } },
      ],
      connections: [
        { source: "start", target: "setup" },
        { source: "setup", target: "each" },
        { source: "each", target: "customer", port: "loop" },
        { source: "customer", target: "discount" },
        { source: "discount", target: "route" },
        { source: "route", target: "apply", port: "discounted" },
        { source: "route", target: "full", port: "default" },
        { source: "apply", target: "summary" },
        { source: "full", target: "summary" },
        { source: "summary", target: "say" },
        { source: "each", target: "end", port: "done" },
      ],
    },
  },
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

/** The input of the README's order-enrichment example. */
export function sampleOrders(apiBase) {
  return {
    apiBase,
    orders: [
      { id: "o-1", customerId: "c-100", amount: 250 },
      { id: "o-2", customerId: "c-200", amount: 40 },
      { id: "o-3", customerId: "c-300", amount: 120 },
    ],
  };
}

/** What the order-enrichment flow answers for sampleOrders(): o-1 gold ≥ 100 (−20 %), o-2 silver (−10 %), o-3 bronze. */
export const SAMPLE_ORDERS_OUTPUT = {
  orders: [
    { order: "o-1", customer: "Ada Lovelace", price: 200 },
    { order: "o-2", customer: "Grace Hopper", price: 36 },
    { order: "o-3", customer: "Alan Turing", price: 120 },
  ],
  total: 356,
  discounted: 2,
};

/**
 * score-customers: reads the embedded database's customers page by page (DATABASE_QUERY loop), scores
 * each with the customer-score table, shapes the row in a CODE node, and upserts the scores 500 at
 * a time (DATABASE_EXECUTE `rows`, keyed by customer: running it again rewrites the same rows).
 * `input.limit` scores only the first customers.
 */
const UPSERT = `INSERT INTO customer_scores (customer_id, score, tier, scored_by) VALUES ($1, $2, $3, $4)
  ON CONFLICT (customer_id) DO UPDATE SET score = excluded.score, tier = excluded.tier, scored_by = excluded.scored_by, scored_at = now()`;

const scoreCustomers = {
  inputSchema: { type: "object", properties: { limit: { type: "integer", minimum: 1 } } },
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "setup", type: "ASSIGN", name: "setup", data: { vars: { batch: "[]", written: "0" } } },
    {
      id: "read",
      type: "DATABASE_QUERY",
      name: "customers",
      data: {
        connector: "demo-db",
        sql: "SELECT id, segment, country, orders_count, spent FROM customers WHERE id <= $1 ORDER BY id",
        params: ["$exists(input.limit) ? input.limit : 2147483647"],
        batchSize: 500,
      },
    },
    { id: "score", type: "BUSINESS_RULE", name: "score", data: { rule: "customer-score", version: "latest", input: "{ 'segment': customers.currentRow.segment, 'orders': customers.currentRow.orders_count }" } },
    {
      id: "shape",
      type: "CODE",
      name: "shape",
      data: {
        // The batch so far plus this customer's parameter row (JSONata would flatten a nested array).
        code: "const row = context.customers.currentRow;\nconst bonus = Math.min(Math.floor(row.spent / 100), 20);\nreturn [...context.vars.batch, [row.id, context.score.points + bonus, context.score.tier, 'score-customers']];",
      },
    },
    { id: "collect", type: "ASSIGN", name: "collect", data: { vars: { batch: "shape" } } },
    { id: "full", type: "SWITCH", name: "full", data: { cases: [{ when: "$count(vars.batch) >= 500", port: "flush" }] } },
    { id: "write", type: "DATABASE_EXECUTE", name: "write", data: { connector: "demo-db", sql: UPSERT, rows: "vars.batch" } },
    { id: "reset", type: "ASSIGN", name: "reset", data: { vars: { batch: "[]", written: "vars.written + write.rowCount" } } },
    { id: "rest", type: "SWITCH", name: "rest", data: { cases: [{ when: "$count(vars.batch) > 0", port: "flush" }] } },
    { id: "last", type: "DATABASE_EXECUTE", name: "last", data: { connector: "demo-db", sql: UPSERT, rows: "vars.batch" } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'customers': customers.count, 'written': vars.written + ($exists(last.rowCount) ? last.rowCount : 0) }" } },
  ],
  connections: [
    { source: "start", target: "setup" },
    { source: "setup", target: "read" },
    { source: "read", target: "score", port: "loop" },
    { source: "score", target: "shape" },
    { source: "shape", target: "collect" },
    { source: "collect", target: "full" },
    { source: "full", target: "write", port: "flush" },
    { source: "write", target: "reset" },
    { source: "read", target: "rest", port: "done" },
    { source: "rest", target: "last", port: "flush" },
    { source: "rest", target: "end", port: "default" },
    { source: "last", target: "end" },
  ],
};
