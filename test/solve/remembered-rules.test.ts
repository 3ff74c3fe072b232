// A solve remembers what it read of its space's rules (solve/remembered-rules.ts): after the first,
// a solve reads nothing from the directory — not its rule, its version, nor a table its flow's
// BUSINESS_RULE loads — and any change to the space's rules, from any isolate, is seen by the next
// solve through the rule epoch its quota gate reads.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { jobShard } from "../../worker/db/databases";
import { bumpRuleEpoch } from "../../worker/jobs/start-targets";
import { call, createTenant, type Tenant } from "../helpers/api";
import { usage } from "./helpers";

/** One row, always matching: its output says which version answered. */
const table = (version: number) => ({
  hitPolicy: "FIRST_MATCH",
  inputs: [{ id: "c1", expression: "amount" }],
  outputs: [{ id: "o1", path: "version" }],
  rows: [{ conditions: {}, outputs: { o1: { value: version } } }],
});

/** START → BUSINESS_RULE 'versions' (latest) → END with its output. */
const flow = {
  nodes: [
    { id: "start", type: "START", name: "start" },
    { id: "rule", type: "BUSINESS_RULE", name: "rule", data: { rule: "versions" } },
    { id: "end", type: "END", name: "end", data: { output: "rule" } },
  ],
  connections: [
    { source: "start", target: "rule" },
    { source: "rule", target: "end" },
  ],
};

async function save(tenant: Tenant, body: Record<string, unknown>, path = "/api/rules") {
  const saved = await call("POST", path, { key: tenant.managementKey, body });
  expect(saved.status, JSON.stringify(saved.body)).toBe(201);
}

async function tenantWithRules() {
  const tenant = await createTenant();
  await save(tenant, { name: "versions", alias: "versions", type: "decision-table", definition: table(1), publish: true });
  await save(tenant, { name: "pricing", alias: "pricing", type: "decision-flow", definition: flow, publish: true });
  return tenant;
}

const solve = (tenant: Tenant, rule: string) => call("POST", `/rule/solve/${rule}`, { key: tenant.solverKey, body: { data: { amount: 1 } } });

/** The version each of the table and the flow answers with. */
async function answers(tenant: Tenant) {
  const [direct, viaFlow] = [await solve(tenant, "versions"), await solve(tenant, "pricing")];
  expect(direct.status, JSON.stringify(direct.body)).toBe(200);
  expect(viaFlow.status, JSON.stringify(viaFlow.body)).toBe(200);
  return { table: (direct.body as [{ version: number }])[0].version, flow: (viaFlow.body as [{ version: number }])[0].version };
}

describe("remembered solve rules", () => {
  it("reads nothing from the directory after the first solve of a table and of a flow; a table's solve is then its charge alone", async () => {
    const tenant = await tenantWithRules();
    const reads = vi.spyOn(env.DIRECTORY, "prepare");
    const statements = vi.spyOn(tenant.db, "prepare");
    try {
      expect(await answers(tenant)).toEqual({ table: 1, flow: 1 });
      expect(reads.mock.calls.length).toBeGreaterThan(0);
      reads.mockClear();
      for (let index = 0; index < 3; index++) expect(await answers(tenant)).toEqual({ table: 1, flow: 1 });
      expect(reads.mock.calls.map(([sql]) => sql)).toEqual([]);
      // On the shard: a table's solve is one statement (the guarded charge); a flow's, the gate and the charge.
      statements.mockClear();
      expect((await solve(tenant, "versions")).status).toBe(200);
      expect(statements.mock.calls.map(([sql]) => sql)).toEqual([expect.stringMatching(/^\s*INSERT INTO usage_ledger[\s\S]*rule_epochs/)]);
      statements.mockClear();
      expect((await solve(tenant, "pricing")).status).toBe(200);
      expect(statements.mock.calls.map(([sql]) => sql)).toEqual([expect.stringMatching(/FROM account_limits/), expect.stringMatching(/^\s*INSERT INTO usage_ledger/)]);
    } finally {
      reads.mockRestore();
      statements.mockRestore();
    }
    // Each solve is still charged: eight more ledger rows after the first two.
    expect((await tenant.db.prepare("SELECT count(*) AS n FROM usage_ledger WHERE space_id = ?").bind(tenant.spaceId).first<{ n: number }>())!.n).toBe(10);
  });

  it("solves the version published a moment ago, in the table and in the flow's BUSINESS_RULE", async () => {
    const tenant = await tenantWithRules();
    expect(await answers(tenant)).toEqual({ table: 1, flow: 1 });
    await save(tenant, { definition: table(2), publish: true }, "/api/rules/versions/versions");
    expect(await answers(tenant)).toEqual({ table: 2, flow: 2 });
  });

  it("sees a publish made in another isolate through the rule epoch alone", async () => {
    const tenant = await tenantWithRules();
    // A draft v2 (this bumps the epoch too); the next solves read and remember v1.
    await save(tenant, { definition: table(2) }, "/api/rules/versions/versions");
    expect(await answers(tenant)).toEqual({ table: 1, flow: 1 });
    // Another isolate publishes v2: the directory changes, this isolate's memory does not…
    await env.DIRECTORY.prepare(
      "UPDATE rule_versions SET status = 'published', published_at = ? WHERE version = 2 AND rule_id = (SELECT id FROM rules WHERE space_id = ? AND alias = 'versions')",
    )
      .bind(Date.now(), tenant.spaceId)
      .run();
    expect(await answers(tenant)).toEqual({ table: 1, flow: 1 });
    // …and it bumps the space's epoch on the shard before answering: the next solves see v2.
    await bumpRuleEpoch(jobShard(env, tenant.shard), tenant.spaceId);
    expect(await answers(tenant)).toEqual({ table: 2, flow: 2 });
  });

  it("refuses as before once the rule is an integration flow, once the quota is used up, and a draft until it is published", async () => {
    const tenant = await tenantWithRules();
    expect(await answers(tenant)).toEqual({ table: 1, flow: 1 });
    expect((await call("PATCH", "/api/rules/pricing", { key: tenant.managementKey, body: { type: "integration-flow" } })).status).toBe(200);
    expect((await solve(tenant, "pricing")).body.type).toBe("rule-not-solvable");

    // Used up: every solve's gate sees it — a remembered table's (solved once more under the epoch
    // the PATCH moved on) in its guarded charge — and nothing more is charged.
    expect((await solve(tenant, "versions")).status).toBe(200);
    const before = (await usage(tenant)).solveMs;
    await tenant.db.prepare("UPDATE account_limits SET free_seconds = 0 WHERE account_id = ?").bind(tenant.accountId).run();
    const refused = await solve(tenant, "versions");
    expect(refused.status).toBe(402);
    expect(refused.body.type).toBe("quota-exceeded");
    expect((await usage(tenant)).solveMs).toBe(before);
    await tenant.db.prepare("UPDATE account_limits SET free_seconds = 100, disabled = 1 WHERE account_id = ?").bind(tenant.accountId).run();
    expect((await solve(tenant, "versions")).body.type).toBe("account-disabled");
    await tenant.db.prepare("UPDATE account_limits SET disabled = 0 WHERE account_id = ?").bind(tenant.accountId).run();
    expect((await usage(tenant)).solveMs).toBe(before);

    // A refusal is not remembered: a pinned draft is refused until it is published, then solved.
    await save(tenant, { definition: table(2) }, "/api/rules/versions/versions");
    for (let index = 0; index < 2; index++) expect((await solve(tenant, "versions/2")).body.type).toBe("rule-not-published");
    expect((await call("POST", "/api/rules/versions/versions/2/publish", { key: tenant.managementKey })).status).toBe(200);
    const published = await solve(tenant, "versions/2");
    expect(published.status).toBe(200);
    expect(published.body).toEqual([{ version: 2 }]);
  });
});
