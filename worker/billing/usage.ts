// Usage of an account in a period: the counters the gate reads, their breakdowns by space and day,
// the quota gate itself, and a drift check that recomputes the counters from the ledger.
import type { Directory, JobShard } from "../db/databases";
import { Problem } from "../errors";
import { periodBounds, periodOf } from "./periods";

interface Counters {
  free_used_ms: number;
  overage_ms: number;
  unbilled_ms: number;
  /** Of the three above, what solves computed (billing/solve.ts). */
  solve_ms: number;
}

const ZERO: Counters = { free_used_ms: 0, overage_ms: 0, unbilled_ms: 0, solve_ms: 0 };
const seconds = (ms: number) => ms / 1000;

export class QuotaExceeded extends Problem {
  constructor(usedSeconds: number, freeSeconds: number) {
    super(
      402,
      "quota-exceeded",
      "Free job seconds used up",
      `This account has used ${usedSeconds} of its ${freeSeconds} free job seconds this month and pay-as-you-go is off. ` +
        "Enable pay-as-you-go (PUT /api/billing) to start new jobs; waiting and running jobs continue.",
    );
  }
}

/**
 * The gate of §5 as a SQL condition on the account's shard, for the statement that relies on it
 * (the job INSERT, a remembered table solve's charge), so the check costs no extra round trip: true
 * when the account is enabled and pay-as-you-go is on or free seconds are left. `account` and
 * `period` name the statement's parameters holding them.
 */
export function quotaAllows(account: string, period: string): string {
  return `EXISTS (
  SELECT 1 FROM account_limits
  LEFT JOIN usage_counters ON usage_counters.account_id = account_limits.account_id AND usage_counters.period = ${period}
  WHERE account_limits.account_id = ${account} AND account_limits.disabled = 0
    AND (account_limits.pay_as_you_go = 1 OR coalesce(usage_counters.free_used_ms, 0) < account_limits.free_seconds * 1000))`;
}

/** The refusal of a trigger the gate stopped, saying how much was used of how much; null if the gate is open now. */
export async function quotaRefusal(shard: JobShard, accountId: string, now: number): Promise<QuotaExceeded | null> {
  const row = await shard
    .prepare(
      `SELECT account_limits.free_seconds, account_limits.pay_as_you_go, coalesce(usage_counters.free_used_ms, 0) AS free_used_ms
       FROM account_limits LEFT JOIN usage_counters ON usage_counters.account_id = account_limits.account_id AND usage_counters.period = ?
       WHERE account_limits.account_id = ?`,
    )
    .bind(periodOf(now), accountId)
    .first<{ free_seconds: number; pay_as_you_go: number; free_used_ms: number }>();
  if (!row || row.pay_as_you_go || row.free_used_ms < row.free_seconds * 1000) return null;
  return new QuotaExceeded(seconds(row.free_used_ms), row.free_seconds);
}

/** The usage of the account in a period: counters and limits from its shard, space names from the directory. */
export async function usageReport(shard: JobShard, db: Directory, accountId: string, period: string) {
  const [limits, total, bySpace, daily] = await shard.batch<
    Counters & { space_id?: string; day?: string; free_seconds?: number; pay_as_you_go?: number; price_per_second?: number }
  >([
    shard.prepare("SELECT free_seconds, pay_as_you_go, price_per_second FROM account_limits WHERE account_id = ?").bind(accountId),
    shard.prepare("SELECT free_used_ms, overage_ms, unbilled_ms, solve_ms FROM usage_counters WHERE account_id = ? AND period = ?").bind(
      accountId,
      period,
    ),
    shard.prepare(
      "SELECT space_id, free_used_ms, overage_ms, unbilled_ms, solve_ms FROM usage_by_space WHERE account_id = ? AND period = ?",
    ).bind(accountId, period),
    shard.prepare(
      "SELECT day, free_used_ms, overage_ms, unbilled_ms, solve_ms FROM usage_daily WHERE account_id = ? AND day >= ? AND day < ? ORDER BY day",
    ).bind(accountId, `${period}-01`, `${period}-99`),
  ]);
  const account = limits.results[0];
  const names = new Map(
    (
      await db.prepare("SELECT id, name FROM spaces WHERE account_id = ?").bind(accountId).all<{ id: string; name: string }>()
    ).results.map((space) => [space.id, space.name]),
  );
  const counters = total.results[0] ?? ZERO;
  const breakdown = (row: Counters) => ({
    usedSeconds: seconds(row.free_used_ms + row.overage_ms + row.unbilled_ms),
    freeUsedSeconds: seconds(row.free_used_ms),
    overageSeconds: seconds(row.overage_ms),
    unbilledSeconds: seconds(row.unbilled_ms),
    solveMs: row.solve_ms,
  });
  const overall = breakdown(counters);
  const pricePerSecond = account?.price_per_second ?? 0;
  return {
    period: periodBounds(period),
    freeSeconds: account?.free_seconds ?? 0,
    ...overall,
    payAsYouGo: Boolean(account?.pay_as_you_go),
    pricePerSecond,
    // Rounded to a millionth, so floating point never shows as 0.30000000000000004.
    estimatedCost: Math.round(overall.overageSeconds * pricePerSecond * 1e6) / 1e6,
    bySpace: bySpace.results
      .map((row) => ({ spaceId: row.space_id!, name: names.get(row.space_id!) ?? row.space_id!, ...breakdown(row) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    daily: daily.results.map((row) => ({ day: row.day!, ...breakdown(row) })),
  };
}

/**
 * Recomputes the period's counters from the ledger (plus what retention took out of it with purged
 * jobs) and reports any difference, and lists finished jobs charged in the period whose executionMs
 * differs from the sum of their charges. Both lists are empty when the §5 invariant holds.
 */
export async function usageDrift(shard: JobShard, accountId: string, period: string) {
  // Retention purges jobs only: a solve's ledger row is never folded into usage_purged (hence its 0 there).
  const [ledger, counters, jobs] = await shard.batch<Record<string, number | string>>([
    shard.prepare(
      `SELECT coalesce(sum(free_ms), 0) AS free_used_ms, coalesce(sum(overage_ms), 0) AS overage_ms,
              coalesce(sum(unbilled_ms), 0) AS unbilled_ms, coalesce(sum(solve_ms), 0) AS solve_ms
       FROM (SELECT free_ms, overage_ms, unbilled_ms, CASE WHEN job_id LIKE 'solve:%' THEN ms ELSE 0 END AS solve_ms
             FROM usage_ledger WHERE account_id = ?1 AND period = ?2
             UNION ALL SELECT free_ms, overage_ms, unbilled_ms, 0 FROM usage_purged WHERE account_id = ?1 AND period = ?2)`,
    ).bind(accountId, period),
    shard.prepare("SELECT free_used_ms, overage_ms, unbilled_ms, solve_ms FROM usage_counters WHERE account_id = ? AND period = ?").bind(
      accountId,
      period,
    ),
    shard.prepare(
      `SELECT jobs.id AS job_id, jobs.execution_ms, (SELECT sum(ms) FROM usage_ledger l WHERE l.job_id = jobs.id) AS charged_ms
       FROM jobs WHERE jobs.account_id = ? AND jobs.ended_at IS NOT NULL
         AND jobs.id IN (SELECT job_id FROM usage_ledger WHERE account_id = ? AND period = ?)
         AND jobs.execution_ms <> (SELECT sum(ms) FROM usage_ledger l WHERE l.job_id = jobs.id)`,
    ).bind(accountId, accountId, period),
  ]);
  const fromLedger = ledger.results[0] as unknown as Counters;
  const stored = (counters.results[0] as unknown as Counters | undefined) ?? ZERO;
  const drift = (["free_used_ms", "overage_ms", "unbilled_ms", "solve_ms"] as const)
    .filter((field) => fromLedger[field] !== stored[field])
    .map((field) => ({ field, ledgerMs: fromLedger[field], countersMs: stored[field] }));
  return {
    period,
    usedMs: stored.free_used_ms + stored.overage_ms + stored.unbilled_ms,
    ledgerMs: fromLedger.free_used_ms + fromLedger.overage_ms + fromLedger.unbilled_ms,
    drift,
    jobMismatches: jobs.results.map((row) => ({
      jobId: String(row.job_id),
      executionMs: Number(row.execution_ms),
      chargedMs: Number(row.charged_ms),
    })),
  };
}
