// The ledger's solve rows are rolled up to one row per space and day once they are ten minutes old
// (billing/solve.ts rollUpSolves, run by the watchdog): the shard keeps a row per space and day, not
// one per request, and nothing a user reads of their usage changes.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { chargeStatement, type SliceCharge } from "../../worker/billing/charge";
import { rollUpSolves, SOLVE_ROLLUP_AFTER_MS, solveLedgerId } from "../../worker/billing/solve";
import { JobShard } from "../../worker/db/databases";
import { runWatchdog } from "../../worker/jobs/watchdog";
import { call, createTenant, type Tenant } from "../helpers/api";

const DAY_1 = Date.parse("2026-06-14T09:00:00Z");
const DAY_2 = Date.parse("2026-06-15T09:00:00Z");
const MINUTE = 60_000;

function solveCharge(tenant: Tenant, request: string, ms: number, endedAt: number, spaceId = tenant.spaceId): SliceCharge {
  return { jobId: solveLedgerId(request), accountId: tenant.accountId, spaceId, slice: 0, ms, endedAt };
}

async function apply(tenant: Tenant, ...charges: SliceCharge[]) {
  const shard = new JobShard(tenant.shard, tenant.db);
  for (const item of charges) await chargeStatement(shard, item).run();
}

/** What the user reads: the period's usage (totals, per space, per day) and its verification. */
async function readings(tenant: Tenant) {
  const usage = await call("GET", "/api/usage?period=2026-06", { key: tenant.managementKey });
  const verify = await call("GET", "/api/usage/verify?period=2026-06", { key: tenant.managementKey });
  expect(usage.status).toBe(200);
  expect(verify.status).toBe(200);
  return { usage: usage.body, verify: verify.body };
}

async function ledger(tenant: Tenant) {
  const rows = await tenant.db
    .prepare("SELECT job_id, space_id, day, ms, free_ms, overage_ms, unbilled_ms FROM usage_ledger WHERE account_id = ? ORDER BY space_id, day, job_id")
    .bind(tenant.accountId)
    .all<{ job_id: string; space_id: string; day: string; ms: number; free_ms: number; overage_ms: number; unbilled_ms: number }>();
  return rows.results;
}

describe("rolling up solve rows", () => {
  it("keeps one row per space and day for solves ten minutes old, with their sums, and changes nothing the user reads", async () => {
    // 1 free second: the charges split into free and unbilled rows.
    const tenant = await createTenant({ freeSeconds: 1 });
    await apply(
      tenant,
      solveCharge(tenant, "a1", 400, DAY_1),
      solveCharge(tenant, "a2", 300, DAY_1 + MINUTE),
      solveCharge(tenant, "a3", 500, DAY_1 + 2 * MINUTE),
      solveCharge(tenant, "b1", 200, DAY_1, "space-other"),
      solveCharge(tenant, "b2", 100, DAY_1 + MINUTE, "space-other"),
      solveCharge(tenant, "c1", 250, DAY_2),
      // Charged five minutes before the roll-up: not yet.
      solveCharge(tenant, "recent", 50, DAY_2 + 5 * MINUTE),
      // A job's slices are never rolled up here (a job's final batch rolls its own up).
      { jobId: "job-1", accountId: tenant.accountId, spaceId: tenant.spaceId, slice: 1, ms: 700, endedAt: DAY_1 },
      { jobId: "job-1", accountId: tenant.accountId, spaceId: tenant.spaceId, slice: 2, ms: 300, endedAt: DAY_1 + MINUTE },
    );
    const before = await readings(tenant);
    expect(before.usage).toMatchObject({ usedSeconds: 2.8, solveMs: 1800 });
    expect(before.verify.drift).toEqual([]);

    expect(await rollUpSolves(new JobShard(tenant.shard, tenant.db), DAY_2 + 10 * MINUTE)).toBe(3);

    const rows = await ledger(tenant);
    const solveRows = rows.filter((row) => row.job_id.startsWith("solve:"));
    const kept = solveRows.map(({ space_id, day, ms }) => `${space_id === tenant.spaceId ? "this space" : space_id} ${day} ${ms} ms`);
    expect(kept.sort()).toEqual(["space-other 2026-06-14 300 ms", "this space 2026-06-14 1200 ms", "this space 2026-06-15 250 ms", "this space 2026-06-15 50 ms"]);
    // The free/unbilled split of a day is the sum of its rows' (the first second was free).
    const day1 = solveRows.find((row) => row.space_id === tenant.spaceId && row.day === "2026-06-14")!;
    expect({ free: day1.free_ms, unbilled: day1.unbilled_ms, overage: day1.overage_ms }).toEqual({ free: 1000, unbilled: 200, overage: 0 });
    expect(rows.filter((row) => row.job_id === "job-1")).toHaveLength(2);
    expect(await readings(tenant)).toEqual(before);
  });

  it("folds later rows into the day's kept row, and charges no request twice when the roll-up runs again", async () => {
    const tenant = await createTenant({ freeSeconds: 100 });
    const shard = new JobShard(tenant.shard, tenant.db);
    await apply(tenant, solveCharge(tenant, "x1", 100, DAY_1), solveCharge(tenant, "x2", 200, DAY_1 + MINUTE));
    const at = DAY_1 + 20 * MINUTE;
    expect(await rollUpSolves(shard, at)).toBe(1);
    expect(await rollUpSolves(shard, at)).toBe(0);
    await apply(tenant, solveCharge(tenant, "x3", 400, DAY_1 + 30 * MINUTE));
    expect(await rollUpSolves(shard, DAY_1 + 30 * MINUTE + SOLVE_ROLLUP_AFTER_MS + 1)).toBe(1);
    expect((await ledger(tenant)).map((row) => row.ms)).toEqual([700]);
    expect((await readings(tenant)).usage).toMatchObject({ usedSeconds: 0.7, solveMs: 700 });
    expect((await readings(tenant)).verify.drift).toEqual([]);
  });

  it("is a pass of the watchdog on every shard", async () => {
    const tenant = await createTenant();
    const old = Date.now() - SOLVE_ROLLUP_AFTER_MS - 3 * MINUTE;
    await apply(tenant, solveCharge(tenant, "w1", 10, old), solveCharge(tenant, "w2", 20, old + MINUTE));
    const report = await runWatchdog(env);
    expect(report.solveRowsRolledUp).toBeGreaterThanOrEqual(1);
    expect((await ledger(tenant)).map((row) => row.ms)).toEqual([30]);
  });
});
