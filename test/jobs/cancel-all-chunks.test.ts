// Cancel-all over more jobs than one statement may touch: D1 gives a statement at most 30 s, which
// no test can show in time, so the job shard here refuses a statement changing over 20,000 rows
// (limitedD1's stand-in; a canceled job changes two: itself and its timeline row). 12,001 waiting
// jobs in one UPDATE are over it; cancel-all moves them in chunks, each its own batch, and misses none.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../worker/env";
import { cancelAllWaiting, CANCEL_CHUNK } from "../../worker/jobs/service";
import type { Caller } from "../../worker/keys/keys";
import { newId } from "../../worker/lib/ids";
import { createTenant, publishFlow, type Tenant } from "../helpers/api";
import { D1_MAX_CHANGES_IN_TESTS, limitedD1 } from "../helpers/faults";
import { helloFlow } from "../helpers/flows";

/** `count` WAITING jobs of the tenant's hello flow at `version`, created a second ago, seeded on its shard in one statement. */
async function seedWaiting(tenant: Tenant, ruleId: string, version: number, count: number, tag: string) {
  const prefix = newId(Date.now() - 1000).slice(0, 10);
  await tenant.db
    .prepare(
      `INSERT INTO jobs (id, space_id, account_id, rule_id, rule_alias, rule_version, correlation_id, used_api_key_id, input, state,
         status_code, status_message, transition_note, created_at, updated_at, steps, execution_ms)
       WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < ?5)
       SELECT ?6 || printf('%s%015d', ?7, x), ?1, ?2, ?3, 'hello', ?4, 'seeded-' || x, 'seed', '{}', 'WAITING',
         'JOB_INITIALIZED', 'Waiting for a slot', 'Created', ?8, ?8, 0, 0 FROM n`,
    )
    .bind(tenant.spaceId, tenant.accountId, ruleId, version, count, prefix, tag, Date.now() - 1000)
    .run();
}

const counts = (tenant: Tenant) =>
  tenant.db
    .prepare(
      `SELECT rule_version AS version, state, status_code AS code, count(*) AS jobs,
         sum((SELECT count(*) FROM job_events WHERE job_events.job_id = jobs.id AND job_events.state = 'CANCELED')) AS canceledEvents
       FROM jobs WHERE space_id = ? GROUP BY rule_version, state, status_code ORDER BY rule_version, state`,
    )
    .bind(tenant.spaceId)
    .all();

function callerOf(tenant: Tenant): Caller {
  return { keyId: "seed", keyName: "ops", kind: "management", spaceId: tenant.spaceId, accountId: tenant.accountId, shard: tenant.shard };
}

/** The Worker's env with the tenant's shard refusing a statement that changes over D1_MAX_CHANGES_IN_TESTS rows. */
function limitedEnv(tenant: Tenant): Env {
  return { ...(env as unknown as Env), [tenant.shard]: limitedD1(tenant.db, { maxChanges: D1_MAX_CHANGES_IN_TESTS }) };
}

describe("cancel-all of more waiting jobs than one statement may change", () => {
  it("cancels all 12,001 of a space in chunks, each job once with its timeline row, and no other space's", { timeout: 120_000 }, async () => {
    expect(2 * 12_001).toBeGreaterThan(D1_MAX_CHANGES_IN_TESTS);
    expect(2 * CANCEL_CHUNK).toBeLessThanOrEqual(D1_MAX_CHANGES_IN_TESTS);
    const tenant = await createTenant();
    const other = await createTenant();
    const ruleId = await publishFlow(tenant, helloFlow, "hello");
    const otherRule = await publishFlow(other, helloFlow, "hello");
    await seedWaiting(tenant, ruleId, 1, 12_001, "A");
    await seedWaiting(other, otherRule, 1, 3, "B");

    expect(await cancelAllWaiting(limitedEnv(tenant), callerOf(tenant), null)).toBe(12_001);
    expect((await counts(tenant)).results).toEqual([{ version: 1, state: "CANCELED", code: "JOB_USER_CANCELED", jobs: 12_001, canceledEvents: 12_001 }]);
    expect((await counts(other)).results).toEqual([{ version: 1, state: "WAITING", code: "JOB_INITIALIZED", jobs: 3, canceledEvents: 0 }]);
    // Nothing is left for a second call.
    expect(await cancelAllWaiting(limitedEnv(tenant), callerOf(tenant), null)).toBe(0);
  });

  it("cancels one flow version's 11,000 and leaves the other version's waiting", { timeout: 120_000 }, async () => {
    const tenant = await createTenant();
    const ruleId = await publishFlow(tenant, helloFlow, "hello");
    await seedWaiting(tenant, ruleId, 1, 11_000, "A");
    await seedWaiting(tenant, ruleId, 2, 7, "B");

    expect(await cancelAllWaiting(limitedEnv(tenant), callerOf(tenant), { ruleId, version: 1 })).toBe(11_000);
    expect((await counts(tenant)).results).toEqual([
      { version: 1, state: "CANCELED", code: "JOB_USER_CANCELED", jobs: 11_000, canceledEvents: 11_000 },
      { version: 2, state: "WAITING", code: "JOB_INITIALIZED", jobs: 7, canceledEvents: 0 },
    ]);
  });
});
