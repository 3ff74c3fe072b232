// solveFlow: a decision flow run in the request by the jobs' engine and node handlers, answering its
// output, refusing bad input, failing with the node's message, and stopped at SOLVE_TIME_LIMIT_MS
// with nothing left running (under the tests' I/O-only clock, RUNNER_CLOCK, as deployed).
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Problem } from "../../worker/errors";
import { solveFlow } from "../../worker/solve/flow";
import { apiUrl, inFlight, receivedCount } from "../flow-jobs/helpers";
import { call, createTenant, type Tenant } from "../helpers/api";
import { callerOf, target, usage } from "./helpers";

const discounts = {
  hitPolicy: "FIRST_MATCH",
  inputs: [{ id: "segment", expression: "customer.segment" }],
  outputs: [{ id: "rate", path: "discount.rate" }],
  rows: [
    { conditions: { segment: { op: "=", value: "gold" } }, outputs: { rate: { value: 0.2 } } },
    { conditions: { segment: { op: "ANY" } }, outputs: { rate: { value: 0 } } },
  ],
};

async function publishTable(tenant: Tenant, alias: string, definition: unknown) {
  const created = await call("POST", "/api/rules", {
    key: tenant.managementKey,
    body: { name: alias, alias, type: "decision-table", definition, publish: true },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
}

/** START → BUSINESS_RULE 'price' → REST_API 'lookup' (the receiver's `slow` scenario echoes its query) → END. */
function pricingFlow(url: string) {
  return {
    inputSchema: { type: "object", required: ["customer"], properties: { customer: { type: "object", required: ["segment"] } } },
    nodes: [
      { id: "start", type: "START", name: "start" },
      { id: "price", type: "BUSINESS_RULE", name: "price", data: { rule: "discounts" } },
      { id: "lookup", type: "REST_API", name: "lookup", data: { url: `'${url}?ms=5&segment=' & input.customer.segment` } },
      { id: "end", type: "END", name: "end", data: { output: "{ 'rate': price.discount.rate, 'seen': lookup.data.query.segment }" } },
    ],
    connections: [
      { source: "start", target: "price" },
      { source: "price", target: "lookup" },
      { source: "lookup", target: "end" },
    ],
  };
}

/** FOREACH while "true": each iteration runs `body` (none: a loop that only computes), forever. */
function endlessFlow(body?: Record<string, unknown>) {
  const nodes: Record<string, unknown>[] = [
    { id: "start", type: "START", name: "start" },
    { id: "init", type: "ASSIGN", name: "init", data: { vars: { i: "0" } } },
    { id: "each", type: "FOREACH", name: "each", data: { while: "true" } },
    { id: "next", type: "ASSIGN", name: "next", data: { vars: { i: "vars.i + 1" } } },
    { id: "end", type: "END", name: "end", data: { output: "vars.i" } },
  ];
  const connections = [
    { source: "start", target: "init" },
    { source: "init", target: "each" },
    { source: "each", target: "next", port: "loop" },
    { source: "each", target: "end", port: "done" },
  ];
  if (body) {
    nodes.push({ id: "call", type: "REST_API", name: "call", data: body });
    connections.push({ source: "next", target: "call" });
  }
  return { nodes, connections };
}

async function solveRefusal(promise: Promise<unknown>): Promise<Problem> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error, "the solve answered").not.toBeNull();
  return error as Problem;
}

describe("solving a decision flow", () => {
  it("answers the output of a flow that calls a decision table and a REST endpoint", async () => {
    const tenant = await createTenant();
    await publishTable(tenant, "discounts", discounts);
    const { name, url } = apiUrl("slow");

    const solved = await solveFlow(env, callerOf(tenant), target(pricingFlow(url)), { customer: { segment: "gold" } }, { correlationId: "c-1" });

    expect(solved.output).toEqual({ rate: 0.2, seen: "gold" });
    expect(solved.executionMs).toBeGreaterThanOrEqual(5);
    expect(await inFlight(name)).toMatchObject({ now: 0, answered: 1 });
    expect((await usage(tenant)).solveMs).toBe(solved.executionMs);
  });

  it("answers the same through POST /rule/solve/{rule} for a decision-flow rule saved through the API, billing its solve", async () => {
    const tenant = await createTenant();
    await publishTable(tenant, "discounts", discounts);
    const { url } = apiUrl("slow");
    const created = await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: { name: "pricing", alias: "pricing", type: "decision-flow", definition: pricingFlow(url), publish: true },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);

    const solved = await call("POST", "/rule/solve/pricing", {
      key: tenant.solverKey,
      body: { data: { customer: { segment: "silver" } } },
      headers: { "x-correlation-id": "corr-http" },
    });

    expect(solved.status, JSON.stringify(solved.body)).toBe(200);
    expect(solved.body).toEqual([{ rate: 0, seen: "silver" }]);
    expect(solved.headers.get("x-correlation-id")).toBe("corr-http");
    const used = await usage(tenant);
    expect(used.solveMs).toBeGreaterThanOrEqual(5);
    expect(used.solveMs).toBe(Math.round(used.usedSeconds * 1000));
  });

  it("solves bulk data in order and charges the request once (one ledger row for all its inputs)", async () => {
    const tenant = await createTenant();
    await publishTable(tenant, "discounts", discounts);
    const { url } = apiUrl("slow");
    await call("POST", "/api/rules", {
      key: tenant.managementKey,
      body: { name: "pricing", alias: "pricing", type: "decision-flow", definition: pricingFlow(url), publish: true },
    });
    const segments = ["silver", "gold", "bronze"];
    const solved = await call("POST", "/rule/solve/pricing", { key: tenant.solverKey, body: { data: segments.map((segment) => ({ customer: { segment } })) } });
    expect(solved.status, JSON.stringify(solved.body)).toBe(200);
    expect(solved.body.map((output: { seen: string }) => output.seen)).toEqual(segments);
    const rows = await tenant.db.prepare("SELECT count(*) AS n, sum(ms) AS ms FROM usage_ledger WHERE account_id = ? AND job_id LIKE 'solve:%'").bind(tenant.accountId).first<{ n: number; ms: number }>();
    expect(rows!.n).toBe(1);
    // Three REST calls of at least 5 ms each were computed and billed in that one row.
    expect(rows!.ms).toBeGreaterThanOrEqual(15);
    expect((await usage(tenant)).solveMs).toBe(rows!.ms);
  });

  it("refuses an input that does not match the inputSchema with 400 invalid-input naming the path, and runs nothing", async () => {
    const tenant = await createTenant();
    await publishTable(tenant, "discounts", discounts);
    const { name, url } = apiUrl("slow");

    const problem = await solveRefusal(solveFlow(env, callerOf(tenant), target(pricingFlow(url)), { customer: {} }, { correlationId: "c-2" }));

    expect(problem).toMatchObject({ status: 400, type: "invalid-input", errors: [{ path: "input.customer.segment" }] });
    expect(await receivedCount(name)).toBe(0);
  });

  it("fails with 422 solve-failed naming the node when a node fails, and bills the time computed", async () => {
    const tenant = await createTenant();
    const { url } = apiUrl("slow");

    // No table 'discounts' in this space.
    const problem = await solveRefusal(solveFlow(env, callerOf(tenant), target(pricingFlow(url)), { customer: { segment: "gold" } }, { correlationId: "c-3" }));

    expect(problem).toMatchObject({ status: 422, type: "solve-failed", errors: [{ path: "nodes.price" }] });
    expect(problem.detail).toMatch(/^BUSINESS_RULE 'price': .*discounts/);
    const verify = await call("GET", "/api/usage/verify", { key: tenant.managementKey });
    expect(verify.body).toMatchObject({ drift: [] });
  });

  it("stops a loop that only computes with 408 solve-timeout within SOLVE_TIME_LIMIT_MS plus a second (I/O-only clock)", async () => {
    const tenant = await createTenant();
    const limited = { ...env, SOLVE_TIME_LIMIT_MS: "300" };

    const startedAt = Date.now();
    const problem = await solveRefusal(solveFlow(limited, callerOf(tenant), target(endlessFlow()), {}, { correlationId: "c-4" }));
    const wallMs = Date.now() - startedAt;

    expect(problem).toMatchObject({ status: 408, type: "solve-timeout" });
    expect(wallMs).toBeLessThan(1300);
    // Its time is billed: about the limit, measured as a slice is.
    const used = await usage(tenant);
    expect(used.solveMs).toBeGreaterThanOrEqual(300);
    expect(used.solveMs).toBe(Math.round(used.usedSeconds * 1000));
  });

  it("gives a CODE call no more than what is left of the limit: 408 solve-timeout, not the node's own longer timeoutMs", async () => {
    const tenant = await createTenant();
    const limited = { ...env, SOLVE_TIME_LIMIT_MS: "300" };
    const computing = {
      nodes: [
        { id: "start", type: "START", name: "start" },
        { id: "spin", type: "CODE", name: "spin", data: { code: "while (true) {}", timeoutMs: 10_000 } },
        { id: "end", type: "END", name: "end", data: { output: "spin" } },
      ],
      connections: [
        { source: "start", target: "spin" },
        { source: "spin", target: "end" },
      ],
    };
    const problem = await solveRefusal(solveFlow(limited, callerOf(tenant), target(computing), {}, { correlationId: "c-code" }));
    expect(problem).toMatchObject({ status: 408, type: "solve-timeout" });
    // Its own timeoutMs still applies where it is the shorter one.
    const short = structuredClone(computing);
    short.nodes[1].data = { code: "while (true) {}", timeoutMs: 50 };
    const ownLimit = await solveRefusal(solveFlow(limited, callerOf(tenant), target(short), {}, { correlationId: "c-code-own" }));
    expect(ownLimit).toMatchObject({ status: 422, type: "solve-failed", detail: expect.stringContaining("timeoutMs (50 ms of CPU)") });
  });

  it("stops a loop of REST calls at the limit: the call in flight is aborted and no further call reaches the server", async () => {
    const tenant = await createTenant();
    const limited = { ...env, SOLVE_TIME_LIMIT_MS: "400" };
    const { name, url } = apiUrl("slow");

    const startedAt = Date.now();
    const solving = solveFlow(limited, callerOf(tenant), target(endlessFlow({ url: `'${url}?ms=150'` })), {}, { correlationId: "c-5" });
    const problem = await solveRefusal(solving);
    const wallMs = Date.now() - startedAt;

    expect(problem).toMatchObject({ status: 408, type: "solve-timeout" });
    expect(wallMs).toBeLessThan(1400);
    // The server sees the aborted call close (asynchronously: poll its counters, as the cancel test does).
    for (let polls = 0; (await inFlight(name)).now > 0 && polls < 100; polls++) await new Promise((resolve) => setTimeout(resolve, 10));
    const after = await inFlight(name);
    expect(after).toMatchObject({ now: 0, closedByClient: 1 });
    expect(after.answered).toBeGreaterThanOrEqual(1);
    // Nothing goes on stepping: over three more call lengths, not one request more.
    const calls = await receivedCount(name);
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await receivedCount(name)).toBe(calls);
    expect(await inFlight(name)).toEqual(after);
  });

  it("aborts a call that hangs past the limit", async () => {
    const tenant = await createTenant();
    const limited = { ...env, SOLVE_TIME_LIMIT_MS: "300" };
    const { name, url } = apiUrl("slow");
    const hanging = {
      nodes: [
        { id: "start", type: "START", name: "start" },
        { id: "call", type: "REST_API", name: "call", data: { url: `'${url}?ms=60000'` } },
        { id: "end", type: "END", name: "end", data: { output: "call.data" } },
      ],
      connections: [
        { source: "start", target: "call" },
        { source: "call", target: "end" },
      ],
    };

    const startedAt = Date.now();
    const problem = await solveRefusal(solveFlow(limited, callerOf(tenant), target(hanging), {}, { correlationId: "c-6" }));

    expect(problem).toMatchObject({ status: 408, type: "solve-timeout" });
    expect(Date.now() - startedAt).toBeLessThan(1300);
    for (let polls = 0; (await inFlight(name)).now > 0 && polls < 100; polls++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await inFlight(name)).toEqual({ now: 0, most: 1, answered: 0, closedByClient: 1 });
  });

  it("fails clearly on a WAIT, which a decision flow cannot do", async () => {
    const tenant = await createTenant();
    const waiting = {
      nodes: [
        { id: "start", type: "START", name: "start" },
        { id: "pause", type: "WAIT", name: "pause", data: { seconds: "60" } },
        { id: "end", type: "END", name: "end" },
      ],
      connections: [
        { source: "start", target: "pause" },
        { source: "pause", target: "end" },
      ],
    };

    const problem = await solveRefusal(solveFlow(env, callerOf(tenant), target(waiting), {}, { correlationId: "c-7" }));

    expect(problem).toMatchObject({ status: 422, type: "solve-failed", errors: [{ path: "nodes.pause" }] });
    expect(problem.detail).toMatch(/cannot wait/);
  });
});
