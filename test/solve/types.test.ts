// Which rule runs where (DESIGN.md §13): a decision flow is solved in the request and never started
// as a job, an integration flow the other way round; PATCH /api/rules/{rule} { type } switches a flow
// between the two, once every version is valid for the new type (a decision flow has no WAIT).
import { beforeAll, describe, expect, it } from "vitest";
import { call, createTenant, trigger, type Tenant } from "../helpers/api";
import { helloFlow, withWait } from "../helpers/flows";

let tenant: Tenant;
beforeAll(async () => {
  tenant = await createTenant();
  const table = {
    hitPolicy: "FIRST_MATCH",
    inputs: [{ id: "c1", expression: "name" }],
    outputs: [{ id: "o1", path: "vip" }],
    rows: [{ conditions: { c1: { op: "=", value: "Ada" } }, outputs: { o1: { value: true } } }, { outputs: { o1: { value: false } } }],
  };
  const created = await call("POST", "/api/rules", { key: tenant.managementKey, body: { name: "vip", alias: "vip", type: "decision-table", definition: table, publish: true } });
  expect(created.status).toBe(201);
});

/** helloFlow plus a BUSINESS_RULE asking the `vip` table, so a decision flow's references are checked and solved too. */
const vipFlow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "greet", type: "ASSIGN", name: "greet", data: { assign: { text: "'Hello, ' & input.name" } } },
    { id: "ask", type: "BUSINESS_RULE", name: "ask", data: { rule: "vip", input: "input" } },
    { id: "end", type: "END", name: "end", data: { output: "{ 'greeting': greet.text, 'vip': ask.vip }" } },
  ],
  connections: [
    { source: "start", target: "greet" },
    { source: "greet", target: "ask" },
    { source: "ask", target: "end" },
  ],
};


async function createRule(alias: string, type: string, definition: unknown) {
  const created = await call("POST", "/api/rules", { key: tenant.managementKey, body: { name: alias, alias, type, definition, publish: true } });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.ruleId as string;
}

const patchType = (rule: string, type: string) => call("PATCH", `/api/rules/${rule}`, { key: tenant.managementKey, body: { type } });
const solve = (rule: string, data: unknown) => call("POST", `/rule/solve/${rule}`, { key: tenant.solverKey, body: { data } });

describe("decision flows and integration flows", () => {
  it("saves a decision flow, solves it in the request and refuses it as a job (400 rule-not-integration-flow)", async () => {
    await createRule("vip-greeting", "decision-flow", vipFlow);
    const rule = await call("GET", "/api/rules/vip-greeting", { key: tenant.managementKey });
    expect(rule.body.type).toBe("decision-flow");

    const solved = await solve("vip-greeting", { name: "Ada" });
    expect(solved.status, JSON.stringify(solved.body)).toBe(200);
    expect(solved.body).toEqual([{ greeting: "Hello, Ada", vip: true }]);
    const bulk = await solve("vip-greeting", [{ name: "Ada" }, { name: "Bob" }]);
    expect(bulk.body).toEqual([
      { greeting: "Hello, Ada", vip: true },
      { greeting: "Hello, Bob", vip: false },
    ]);

    const started = await trigger(tenant, "vip-greeting", { name: "Ada" });
    expect(started.status).toBe(400);
    expect(started.body.type).toBe("rule-not-integration-flow");
    expect(started.body.detail).toContain("/rule/solve/vip-greeting");
  });

  it("refuses an integration flow through /rule/solve with 400 rule-not-solvable, saying to use /job/start", async () => {
    await createRule("hello-job", "integration-flow", helloFlow);
    const refused = await solve("hello-job", { name: "Ada" });
    expect(refused.status).toBe(400);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.body.type).toBe("rule-not-solvable");
    expect(refused.body.detail).toContain("/job/start/hello-job");
  });

  it("refuses a WAIT on save in a decision flow, naming the node, in a new rule and in a new version", async () => {
    const created = await call("POST", "/api/rules", { key: tenant.managementKey, body: { name: "napping", type: "decision-flow", definition: withWait } });
    expect(created.status).toBe(422);
    expect(created.body.type).toBe("invalid-definition");
    expect(created.body.errors).toEqual([{ path: "definition.nodes[nap].type", message: expect.stringContaining("decision flow") }]);

    await createRule("no-nap", "decision-flow", helloFlow);
    const version = await call("POST", "/api/rules/no-nap/versions", { key: tenant.managementKey, body: { definition: withWait } });
    expect(version.status).toBe(422);
    expect(version.body.errors.map((error: { path: string }) => error.path)).toEqual(["definition.nodes[nap].type"]);
    // The same definition is an integration flow's to have.
    await createRule("napping-job", "integration-flow", withWait);
  });
});

describe("PATCH /api/rules/{rule} { type }", () => {
  it("makes an integration flow a decision flow: solved, no longer started as a job; and back: started (202), no longer solved", async () => {
    const ruleId = await createRule("switch-me", "integration-flow", vipFlow);
    expect((await trigger(tenant, "switch-me", { name: "Ada" })).status).toBe(202);

    const toDecision = await patchType("switch-me", "decision-flow");
    expect(toDecision.status, JSON.stringify(toDecision.body)).toBe(200);
    const shown = await call("GET", "/api/rules/switch-me", { key: tenant.managementKey });
    expect(toDecision.body).toEqual(shown.body);
    expect(shown.body).toMatchObject({ ruleId, type: "decision-flow", latestVersion: 1, latestPublishedVersion: 1 });
    expect((await solve("switch-me", { name: "Ada" })).body).toEqual([{ greeting: "Hello, Ada", vip: true }]);
    expect((await trigger(tenant, "switch-me", { name: "Ada" })).body.type).toBe("rule-not-integration-flow");

    const toJob = await patchType(ruleId, "integration-flow");
    expect(toJob.status).toBe(200);
    expect(toJob.body.type).toBe("integration-flow");
    const started = await trigger(tenant, "switch-me", { name: "Ada" });
    expect(started.status, JSON.stringify(started.body)).toBe(202);
    expect(started.body.status.state).toBe("WAITING");
    expect((await solve("switch-me", { name: "Ada" })).body.type).toBe("rule-not-solvable");

    // Setting the type a rule has changes nothing.
    expect((await patchType("switch-me", "integration-flow")).body).toEqual((await call("GET", "/api/rules/switch-me", { key: tenant.managementKey })).body);
  });

  it("refuses a decision flow for an integration flow with a WAIT in any version (422, naming the version and the node)", async () => {
    await createRule("waits-once", "integration-flow", withWait);
    const fixed = await call("POST", "/api/rules/waits-once/versions", { key: tenant.managementKey, body: { definition: helloFlow, publish: true } });
    expect(fixed.body.version).toBe(2);

    const refused = await patchType("waits-once", "decision-flow");
    expect(refused.status).toBe(422);
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(refused.body.type).toBe("rule-type-change-refused");
    expect(refused.body.detail).toContain("version 1 has WAIT node 'nap'");
    expect(refused.body.errors).toEqual([{ path: "versions[1].definition.nodes[nap].type", message: expect.stringContaining("WAIT") }]);
    expect((await call("GET", "/api/rules/waits-once", { key: tenant.managementKey })).body.type).toBe("integration-flow");
  });

  it("refuses to switch a decision table to a flow, or a flow to a decision table (400)", async () => {
    for (const [rule, type] of [["vip", "decision-flow"], ["vip", "integration-flow"], ["hello-job", "decision-table"], ["vip-greeting", "decision-table"]]) {
      const refused = await patchType(rule, type);
      expect({ rule, type, status: refused.status, problem: refused.body.type }).toEqual({ rule, type, status: 400, problem: "rule-type-not-switchable" });
    }
    expect((await call("GET", "/api/rules/vip", { key: tenant.managementKey })).body.type).toBe("decision-table");
  });

  it("validates versions saved after a switch against the new type", async () => {
    await createRule("becomes-decision", "integration-flow", helloFlow);
    expect((await patchType("becomes-decision", "decision-flow")).status).toBe(200);
    const version = await call("POST", "/api/rules/becomes-decision/versions", { key: tenant.managementKey, body: { definition: withWait } });
    expect(version.status).toBe(422);
    expect(version.body.errors[0].path).toBe("definition.nodes[nap].type");
  });

  it("refuses another space's rule (404), an unknown type, and the solver key", async () => {
    const other = await createTenant();
    const foreign = await call("PATCH", "/api/rules/hello-job", { key: other.managementKey, body: { type: "decision-flow" } });
    expect(foreign.status).toBe(404);
    expect((await patchType("hello-job", "batch-flow")).status).toBe(422);
    expect((await call("PATCH", "/api/rules/hello-job", { key: tenant.solverKey, body: { type: "decision-flow" } })).status).toBe(403);
  });
});
