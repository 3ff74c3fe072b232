// Jobs are charged for the time their runner executes, enforced at the trigger (DESIGN.md §5).
import { afterEach, describe, expect, it, vi } from "vitest";
import { chargeStatement } from "../../worker/billing/charge";
import { JobShard } from "../../worker/db/databases";
import { call, createTenant, getJob, publishFlow, trigger, type Tenant } from "../helpers/api";
import { dispatch, runAlarm, runToEnd } from "../helpers/drive";
import { countingFlow, sleepyFlow } from "../helpers/flows";

afterEach(() => {
  vi.useRealTimers();
});

async function usage(tenant: Tenant) {
  return (await call("GET", "/api/usage", { key: tenant.managementKey })).body;
}

async function ledgerMs(tenant: Tenant, jobId: string) {
  const row = await tenant.db.prepare("SELECT coalesce(sum(ms), 0) AS ms, count(*) AS slices FROM usage_ledger WHERE job_id = ?")
    .bind(jobId)
    .first<{ ms: number; slices: number }>();
  return row!;
}

async function jobRows(tenant: Tenant) {
  return (await tenant.db.prepare("SELECT count(*) AS n FROM jobs WHERE space_id = ?").bind(tenant.spaceId).first<{ n: number }>())!.n;
}

/** Uses up the account's free seconds with a charge of a job that ran earlier. */
async function exhaustFreeSeconds(tenant: Tenant, seconds: number) {
  const shard = new JobShard(tenant.shard, tenant.db);
  await shard.batch([
    chargeStatement(shard, {
      jobId: `earlier-${crypto.randomUUID()}`,
      accountId: tenant.accountId,
      spaceId: tenant.spaceId,
      slice: 1,
      ms: seconds * 1000,
      endedAt: Date.now(),
    }),
  ]);
}

describe("metering and the quota gate", () => {
  it("charges every executed millisecond once: free first, the rest unbilled, then gates the next trigger", async () => {
    const tenant = await createTenant({ freeSeconds: 1 });
    await publishFlow(tenant, countingFlow, "count");
    // About 3 s of execution on this machine (many slices), well past the 1 free second.
    const jobId = (await trigger(tenant, "count", { n: 1_200_000 })).body.jobId;
    await dispatch(tenant.accountId);
    expect(await runToEnd(jobId, 4000)).toBe("COMPLETED");

    const job = await getJob(tenant, jobId);
    const report = await usage(tenant);
    expect(job.usage.executionMs).toBeGreaterThan(1000);
    expect((await ledgerMs(tenant, jobId)).ms).toBe(job.usage.executionMs);
    expect(report.usedSeconds * 1000).toBeCloseTo(job.usage.executionMs, 6);
    expect(report.freeUsedSeconds).toBe(1);
    expect(report.overageSeconds).toBe(0);
    expect(report.unbilledSeconds * 1000).toBeCloseTo(job.usage.executionMs - 1000, 6);
    const verify = await call("GET", "/api/usage/verify", { key: tenant.managementKey });
    expect(verify.body).toMatchObject({ drift: [], jobMismatches: [] });

    const refused = await trigger(tenant, "count", { n: 1 });
    expect(refused.status).toBe(402);
    expect(await jobRows(tenant)).toBe(1);
  });

  it("refuses new triggers once the free seconds are used, but runs jobs already waiting", async () => {
    const tenant = await createTenant({ freeSeconds: 2 });
    await publishFlow(tenant, countingFlow, "count");
    const waiting = (await trigger(tenant, "count", { n: 10 })).body.jobId;
    await exhaustFreeSeconds(tenant, 2);

    const refused = await trigger(tenant, "count", { n: 10 });
    expect(refused.status).toBe(402);
    expect(refused.body).toMatchObject({ type: "quota-exceeded", status: 402 });
    expect(refused.body.detail).toContain("used 2 of its 2 free job seconds");
    expect(refused.body.detail).toContain("pay-as-you-go");
    expect(await jobRows(tenant)).toBe(1);

    await dispatch(tenant.accountId);
    expect(await runToEnd(waiting)).toBe("COMPLETED");
    const job = await getJob(tenant, waiting);
    const report = await usage(tenant);
    expect(report.freeUsedSeconds).toBe(2);
    expect(report.unbilledSeconds * 1000).toBeCloseTo(job.usage.executionMs, 6);
  });

  it("lets pay-as-you-go lift the gate and bills the time as overage, and turning it off gates again", async () => {
    const tenant = await createTenant({ freeSeconds: 1, pricePerSecond: 0.01 });
    await publishFlow(tenant, countingFlow, "count");
    await exhaustFreeSeconds(tenant, 1);
    expect((await trigger(tenant, "count", { n: 5 })).status).toBe(402);

    expect((await call("PUT", "/api/billing", { key: tenant.managementKey, body: { payAsYouGo: true } })).body).toEqual({ payAsYouGo: true });
    const accepted = await trigger(tenant, "count", { n: 2000 });
    expect(accepted.status).toBe(202);
    await dispatch(tenant.accountId);
    await runToEnd(accepted.body.jobId);
    const job = await getJob(tenant, accepted.body.jobId);
    const report = await usage(tenant);
    expect(report.payAsYouGo).toBe(true);
    expect(report.overageSeconds * 1000).toBeCloseTo(job.usage.executionMs, 6);
    expect(report.estimatedCost).toBeCloseTo(report.overageSeconds * 0.01, 6);

    await call("PUT", "/api/billing", { key: tenant.managementKey, body: { payAsYouGo: false } });
    expect((await trigger(tenant, "count", { n: 5 })).status).toBe(402);
  });

  it("charges neither queue time nor WAIT time", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, sleepyFlow, "sleepy");
    const jobId = (await trigger(tenant, "sleepy", { seconds: 3600 })).body.jobId;
    expect(await ledgerMs(tenant, jobId)).toEqual({ ms: 0, slices: 0 });
    await dispatch(tenant.accountId);
    await runAlarm(jobId);
    const sleepingAt = await getJob(tenant, jobId);

    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.now() + 3_601_000);
    expect(await runToEnd(jobId)).toBe("COMPLETED");
    vi.useRealTimers();
    const job = await getJob(tenant, jobId);
    expect(job.usage.executionMs).toBeLessThan(5_000);
    expect(job.usage.executionMs).toBeGreaterThanOrEqual(sleepingAt.usage.executionMs);
    expect((await ledgerMs(tenant, jobId)).ms).toBe(job.usage.executionMs);
  });

  it("charges a canceled job only for the slices it ran", async () => {
    const tenant = await createTenant();
    await publishFlow(tenant, countingFlow, "count");
    const waiting = (await trigger(tenant, "count", { n: 10 })).body.jobId;
    await call("POST", `/job/cancel/${waiting}`, { key: tenant.solverKey });
    expect(await ledgerMs(tenant, waiting)).toEqual({ ms: 0, slices: 0 });

    const running = (await trigger(tenant, "count", { n: 10_000_000 })).body.jobId;
    await dispatch(tenant.accountId);
    await runAlarm(running);
    await call("POST", `/job/cancel/${running}`, { key: tenant.solverKey });
    expect(await runToEnd(running)).toBe("CANCELED");
    const job = await getJob(tenant, running);
    const charged = await ledgerMs(tenant, running);
    expect(charged.slices).toBeGreaterThan(0);
    expect(charged.ms).toBe(job.usage.executionMs);
  });
});
