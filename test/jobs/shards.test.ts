// Job data sharded by account: two accounts on different job shards each start, list, cancel, bill
// and receive webhooks on their own shard; neither reaches the other's jobs; an account's shard is
// chosen once (the emptiest) and stored, and the handle types keep a job query from running on the
// directory.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chargeStatement } from "../../worker/billing/charge";
import { directory, emptiestShard, jobShard, type Directory, type JobShard } from "../../worker/db/databases";
import { call, createTenant, publishFlow, trigger, type Tenant } from "../helpers/api";
import { shardDatabases } from "../helpers/db";
import { dispatch, runToEnd } from "../helpers/drive";
import { helloFlow } from "../helpers/flows";
import { createWebhook, deliver, deliveries, received, receiver } from "../webhooks/helpers";

/** Tenants until one is on each configured shard (new accounts go to the emptiest, so two suffice). */
async function tenantsOnBothShards(): Promise<[Tenant, Tenant]> {
  const first = await createTenant();
  const second = await createTenant();
  expect(second.shard).not.toBe(first.shard);
  return [first, second];
}

async function rowsOn(db: D1Database, sql: string, ...values: unknown[]) {
  return (await db.prepare(sql).bind(...values).first<{ n: number }>())!.n;
}

describe("job shards", () => {
  it("binds two job shards, and places new accounts on the emptiest one, stored in the directory", async () => {
    expect(shardDatabases().map(({ name }) => name)).toEqual(["JOBS_0", "JOBS_1"]);
    const placed: string[] = [];
    for (let index = 0; index < 4; index++) placed.push((await createTenant()).shard);
    // Ties go to the first shard: 0, 1, 0, 1 on an empty directory.
    expect(placed).toEqual(["JOBS_0", "JOBS_1", "JOBS_0", "JOBS_1"]);
    const stored = await env.DIRECTORY.prepare("SELECT shard, count(*) AS n FROM accounts GROUP BY shard ORDER BY shard").all();
    expect(stored.results).toEqual([
      { shard: "JOBS_0", n: 2 },
      { shard: "JOBS_1", n: 2 },
    ]);
    // The limits row is on the account's shard only.
    const tenant = await createTenant({ parallelLimit: 3 });
    for (const { name, db } of shardDatabases()) {
      expect(await rowsOn(db, "SELECT count(*) AS n FROM account_limits WHERE account_id = ?", tenant.accountId)).toBe(name === tenant.shard ? 1 : 0);
    }
  });

  it("goes to the shard with fewer accounts, whatever the order of JOB_SHARDS, and moves nobody", async () => {
    const [first, second] = await tenantsOnBothShards();
    const third = await createTenant();
    expect(third.shard).toBe(first.shard);
    // JOBS_<first> now has one account more: the next goes to the other, listed first or not.
    const reordered = { ...env, JOB_SHARDS: [second.shard, first.shard].join(",") };
    expect(await emptiestShard(reordered)).toBe(second.shard);
    // Existing accounts keep the shard stored for them: their jobs land there.
    await publishFlow(first, helloFlow, "hello");
    const started = await trigger(first, "hello", { name: "Ada" });
    expect(started.status).toBe(202);
    expect(await rowsOn(first.db, "SELECT count(*) AS n FROM jobs WHERE id = ?", started.body.jobId)).toBe(1);
    expect(await rowsOn(second.db, "SELECT count(*) AS n FROM jobs WHERE id = ?", started.body.jobId)).toBe(0);
  });

  it("runs two accounts on different shards side by side: start, list, cancel, bill, webhooks; neither sees the other", async () => {
    const tenants = await tenantsOnBothShards();
    const jobs: Record<string, { done: string; waiting: string; hook: string }> = {};
    for (const tenant of tenants) {
      await publishFlow(tenant, helloFlow, "hello");
      const hook = await createWebhook(tenant, { url: receiver(`ok/${tenant.accountId}`), events: ["JOB.COMPLETED", "JOB.CANCELED"] });
      const done = (await trigger(tenant, "hello", { name: tenant.accountId })).body.jobId as string;
      const waiting = (await trigger(tenant, "hello", { name: "later" })).body.jobId as string;
      jobs[tenant.accountId] = { done, waiting, hook: hook.id };
    }
    for (const tenant of tenants) {
      const { done, waiting } = jobs[tenant.accountId];
      // Cancel the second job while it waits, then run the first.
      expect((await call("POST", `/job/cancel/${waiting}`, { key: tenant.solverKey })).body.status.state).toBe("CANCELED");
      await dispatch(tenant.accountId);
      expect(await runToEnd(done)).toBe("COMPLETED");
      expect((await call("GET", `/job/${done}`, { key: tenant.solverKey })).body.output).toEqual({ greeting: `Hello, ${tenant.accountId}` });
    }
    for (const [index, tenant] of tenants.entries()) {
      const other = tenants[1 - index];
      const { done, waiting, hook } = jobs[tenant.accountId];
      // Every row of the account is on its own shard and none on the other.
      expect(await rowsOn(tenant.db, "SELECT count(*) AS n FROM jobs WHERE account_id = ?", tenant.accountId)).toBe(2);
      expect(await rowsOn(other.db, "SELECT count(*) AS n FROM jobs WHERE account_id = ?", tenant.accountId)).toBe(0);
      expect(await rowsOn(other.db, "SELECT count(*) AS n FROM usage_ledger WHERE account_id = ?", tenant.accountId)).toBe(0);
      expect(await rowsOn(other.db, "SELECT count(*) AS n FROM webhook_deliveries WHERE job_id IN (?, ?)", done, waiting)).toBe(0);
      // The list shows the account's own two jobs.
      const list = await call("GET", "/api/jobs", { key: tenant.managementKey });
      expect(list.body.items.map((job: { jobId: string }) => job.jobId)).toEqual([waiting, done]);
      expect(list.body.items[0].ruleReference).toMatchObject({ alias: "hello", type: "integration-flow" });
      // The other account's keys get 404 for these jobs, whatever the route.
      for (const [method, path, key] of [
        ["GET", `/job/${done}`, other.solverKey],
        ["POST", `/job/cancel/${waiting}`, other.solverKey],
        ["GET", `/api/jobs/${done}`, other.managementKey],
        ["GET", `/api/jobs/${done}/logs`, other.managementKey],
      ] as const) {
        const response = await call(method, path, { key });
        expect(response.status, `${method} ${path}`).toBe(404);
        expect(response.body.type).toContain("job-not-found");
      }
      // Billed on its own shard, exactly.
      const usage = await call("GET", "/api/usage", { key: tenant.managementKey });
      const job = (await call("GET", `/job/${done}`, { key: tenant.solverKey })).body;
      expect(usage.body.usedSeconds).toBeCloseTo(job.usage.executionMs / 1000, 6);
      // Its charge is a ledger row there (a START → END slice may take under a millisecond of the
      // I/O-only clock, so its time can be 0).
      expect(await rowsOn(tenant.db, "SELECT count(*) AS n FROM usage_ledger WHERE job_id = ?", done)).toBe(1);
      const verify = await call("GET", "/api/usage/verify", { key: tenant.managementKey });
      expect(verify.body).toMatchObject({ drift: [], jobMismatches: [] });
      // Webhooks: one JOB.COMPLETED and one JOB.CANCELED, delivered from the account's shard.
      const queued = await deliveries(tenant, hook);
      expect(queued.map((delivery) => delivery.jobId).sort()).toEqual([done, waiting].sort());
      for (const delivery of queued) expect((await deliver({ deliveryId: delivery.id, shard: tenant.shard, series: 1 })).acked).toBe(true);
      const bodies = (await received(tenant.accountId)).map((request) => JSON.parse(request.body));
      expect(bodies.map((body) => `${body.eventType} ${body.data.jobId}`).sort()).toEqual(
        [`JOB.CANCELED ${waiting}`, `JOB.COMPLETED ${done}`].sort(),
      );
    }
  });

  it("keeps a job query from running on the directory: the handles are different types", async () => {
    const tenant = await createTenant();
    const shard: JobShard = jobShard(env, tenant.shard);
    const db: Directory = directory(env);
    const charge = { jobId: "x", accountId: tenant.accountId, spaceId: tenant.spaceId, slice: 1, ms: 1, endedAt: Date.now() };
    expect(chargeStatement(shard, charge)).toBeDefined();
    // @ts-expect-error a charge needs a JobShard; the directory does not type-check (npm run typecheck).
    expect(() => chargeStatement(db, charge).bind()).not.toThrow();
    // The directory has no jobs table at all, so a query that slipped through would fail loudly.
    await expect(db.prepare("SELECT count(*) FROM jobs").first()).rejects.toThrow(/no such table: jobs/);
    // An unconfigured shard name is refused, never read from some default database.
    expect(() => jobShard(env, "JOBS_9")).toThrow(/not bound/);
    expect(() => jobShard(env, "DIRECTORY")).toThrow(/not bound/);
  });
});
