// The split rule of DESIGN.md §5, charged through the real D1 statements the runner uses.
import { describe, expect, it } from "vitest";
import { chargeStatement, type SliceCharge } from "../../worker/billing/charge";
import { JobShard } from "../../worker/db/databases";
import { call, createTenant, type Tenant } from "../helpers/api";

const NOV = Date.parse("2026-11-15T12:00:00Z");

function charge(tenant: Tenant, jobId: string, slice: number, ms: number, endedAt = NOV): SliceCharge {
  return { jobId, accountId: tenant.accountId, spaceId: tenant.spaceId, slice, ms, endedAt };
}

/** Charges on the tenant's shard (accounts made through the admin API have their account_limits row there). */
async function apply(tenant: Tenant, ...charges: SliceCharge[]) {
  const shard = new JobShard(tenant.shard, tenant.db);
  await shard.batch(charges.map((item) => chargeStatement(shard, item)));
}

async function usage(tenant: Tenant, period = "2026-11") {
  return (await call("GET", `/api/usage?period=${period}`, { key: tenant.managementKey })).body;
}

describe("charging slices", () => {
  it("splits a slice that crosses the free limit and sends the rest to unbilled or overage", async () => {
    const tenant = await createTenant({ freeSeconds: 2, pricePerSecond: 0.5 });
    await apply(tenant, charge(tenant, "job-a", 1, 1500));
    await apply(tenant, charge(tenant, "job-a", 2, 1500));
    expect(await usage(tenant)).toMatchObject({
      freeSeconds: 2,
      usedSeconds: 3,
      freeUsedSeconds: 2,
      unbilledSeconds: 1,
      overageSeconds: 0,
      estimatedCost: 0,
      payAsYouGo: false,
    });

    await call("PUT", "/api/billing", { key: tenant.managementKey, body: { payAsYouGo: true } });
    await apply(tenant, charge(tenant, "job-a", 3, 700));
    expect(await usage(tenant)).toMatchObject({ usedSeconds: 3.7, freeUsedSeconds: 2, unbilledSeconds: 1, overageSeconds: 0.7, estimatedCost: 0.35 });
  });

  it("charges a slice once, however often the charge is repeated", async () => {
    const tenant = await createTenant({ freeSeconds: 100 });
    const slice = charge(tenant, "job-b", 1, 1234);
    await apply(tenant, slice);
    await apply(tenant, slice, slice);
    await apply(tenant, { ...slice, ms: 9999 });
    expect(await usage(tenant)).toMatchObject({ usedSeconds: 1.234, freeUsedSeconds: 1.234 });
  });

  it("charges a slice to the month (and day) it ends in, UTC", async () => {
    const tenant = await createTenant({ freeSeconds: 100 });
    await apply(
      tenant,
      charge(tenant, "job-c", 1, 400, Date.parse("2026-11-30T23:59:59.900Z")),
      charge(tenant, "job-c", 2, 600, Date.parse("2026-12-01T00:00:00.300Z")),
    );
    expect(await usage(tenant, "2026-11")).toMatchObject({ usedSeconds: 0.4, daily: [{ day: "2026-11-30", usedSeconds: 0.4 }] });
    const december = await usage(tenant, "2026-12");
    expect(december).toMatchObject({
      period: { start: "2026-12-01T00:00:00.000Z", end: "2027-01-01T00:00:00.000Z" },
      usedSeconds: 0.6,
      daily: [{ day: "2026-12-01", usedSeconds: 0.6 }],
    });
    // The new period starts with its own free allowance.
    expect(december.freeUsedSeconds).toBe(0.6);
  });

  it("keeps the counters exact when 50 jobs charge at once", async () => {
    const tenant = await createTenant({ freeSeconds: 10 });
    await Promise.all(Array.from({ length: 50 }, (_, index) => apply(tenant, charge(tenant, `job-${index}`, 1, 300))));
    expect(await usage(tenant)).toMatchObject({ usedSeconds: 15, freeUsedSeconds: 10, unbilledSeconds: 5, overageSeconds: 0 });
    const verify = await call("GET", "/api/usage/verify?period=2026-11", { key: tenant.managementKey });
    expect(verify.body).toMatchObject({ usedMs: 15_000, ledgerMs: 15_000, drift: [] });
  });

  it("breaks usage down by space", async () => {
    const tenant = await createTenant({ freeSeconds: 100 });
    const other = await call("POST", `/api/admin/accounts/${tenant.accountId}/spaces`, { key: "test-admin-token", body: { name: "Other" } });
    await apply(tenant, charge(tenant, "job-d", 1, 1000), { ...charge(tenant, "job-e", 1, 2000), spaceId: other.body.id });
    const report = await usage(tenant);
    expect(report.bySpace).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ spaceId: tenant.spaceId, usedSeconds: 1 }),
        expect.objectContaining({ spaceId: other.body.id, name: "Other", usedSeconds: 2 }),
      ]),
    );
  });

  it("refuses a bad period and a bad billing body", async () => {
    const tenant = await createTenant();
    expect((await call("GET", "/api/usage?period=2026-13", { key: tenant.managementKey })).status).toBe(400);
    expect((await call("PUT", "/api/billing", { key: tenant.managementKey, body: { payAsYouGo: "yes" } })).status).toBe(422);
    expect((await call("GET", "/api/usage", { key: tenant.solverKey })).status).toBe(403);
  });
});
