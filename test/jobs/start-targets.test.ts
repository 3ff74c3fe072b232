// A trigger remembers which version it starts (jobs/start-targets.ts): after the first, a trigger is
// one statement on the shard, no directory read; and any change to the space's rules, from any
// isolate, is seen by the next trigger through the space's rule epoch.
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { jobShard } from "../../worker/db/databases";
import { bumpRuleEpoch } from "../../worker/jobs/start-targets";
import { call, createTenant, publishFlow, trigger } from "../helpers/api";
import { countingFlow } from "../helpers/flows";

const TARGET_READ = /FROM rules LEFT JOIN rule_versions/;

async function versionOf(tenant: { db: D1Database }, jobId: string) {
  return (await tenant.db.prepare("SELECT rule_version FROM jobs WHERE id = ?").bind(jobId).first<{ rule_version: number }>())!.rule_version;
}

describe("remembered start targets", () => {
  it("reads the directory for the first trigger only", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const reads = vi.spyOn(env.DIRECTORY, "prepare");
    try {
      for (let index = 0; index < 3; index++) expect((await trigger(tenant, "count", { n: 1 })).status).toBe(202);
      expect(reads.mock.calls.filter(([sql]) => TARGET_READ.test(sql))).toHaveLength(1);
    } finally {
      reads.mockRestore();
    }
  });

  it("starts the version published a moment ago, and refuses as before once the flow is no integration flow", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    expect(await versionOf(tenant, (await trigger(tenant, "count", { n: 1 })).body.jobId)).toBe(1);
    const v2 = await call("POST", "/api/rules/count/versions", { key: tenant.managementKey, body: { definition: countingFlow, publish: true } });
    expect(v2.status).toBe(201);
    expect(await versionOf(tenant, (await trigger(tenant, "count", { n: 1 })).body.jobId)).toBe(2);
    // A switch to a decision flow is seen at once too.
    expect((await call("PATCH", "/api/rules/count", { key: tenant.managementKey, body: { type: "decision-flow" } })).status).toBe(200);
    const refused = await trigger(tenant, "count", { n: 1 });
    expect(refused.status).toBe(400);
    expect(refused.body.type).toMatch(/rule-not-integration-flow/);
  });

  it("sees a publish made in another isolate through the rule epoch alone", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    // A draft v2 (this bumps the epoch too); the next trigger reads and remembers v1.
    expect((await call("POST", "/api/rules/count/versions", { key: tenant.managementKey, body: { definition: countingFlow } })).status).toBe(201);
    expect(await versionOf(tenant, (await trigger(tenant, "count", { n: 1 })).body.jobId)).toBe(1);
    // Another isolate publishes v2: the directory changes, this isolate's memory does not…
    await env.DIRECTORY.prepare(
      "UPDATE rule_versions SET status = 'published', published_at = ? WHERE version = 2 AND rule_id = (SELECT id FROM rules WHERE space_id = ? AND alias = 'count')",
    )
      .bind(Date.now(), tenant.spaceId)
      .run();
    // …and it bumps the space's epoch on the shard before answering: the next trigger starts v2.
    await bumpRuleEpoch(jobShard(env, tenant.shard), tenant.spaceId);
    expect(await versionOf(tenant, (await trigger(tenant, "count", { n: 1 })).body.jobId)).toBe(2);
  });
});
