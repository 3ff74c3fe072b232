// Usage of an account in a period: the counters the gate reads, their breakdowns by space and day,
// the quota gate itself, and a drift check that recomputes the counters from the ledger.
import type { Env } from "../env";
import { Problem } from "../errors";
import { periodBounds, periodOf } from "./periods";

interface Counters {
  free_used_ms: number;
  overage_ms: number;
  unbilled_ms: number;
}

const ZERO: Counters = { free_used_ms: 0, overage_ms: 0, unbilled_ms: 0 };
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
 * The gate of §5 as a SQL condition, for the job INSERT itself (the trigger is the hot path, so the
 * check costs no extra round trip): true when pay-as-you-go is on or free seconds are left.
 * Parameters: ?17 the account id, ?18 the period.
 */
export const QUOTA_ALLOWS_START = `EXISTS (
  SELECT 1 FROM accounts
  LEFT JOIN usage_counters ON usage_counters.account_id = accounts.id AND usage_counters.period = ?18
  WHERE accounts.id = ?17 AND (accounts.pay_as_you_go = 1 OR coalesce(usage_counters.free_used_ms, 0) < accounts.free_seconds * 1000))`;

/** The refusal of a trigger the gate stopped, saying how much was used of how much; null if the gate is open now. */
export async function quotaRefusal(env: Env, accountId: string, now: number): Promise<QuotaExceeded | null> {
  const row = await env.DB.prepare(
    `SELECT accounts.free_seconds, accounts.pay_as_you_go, coalesce(usage_counters.free_used_ms, 0) AS free_used_ms
     FROM accounts LEFT JOIN usage_counters ON usage_counters.account_id = accounts.id AND usage_counters.period = ?
     WHERE accounts.id = ?`,
  )
    .bind(periodOf(now), accountId)
    .first<{ free_seconds: number; pay_as_you_go: number; free_used_ms: number }>();
  if (!row || row.pay_as_you_go || row.free_used_ms < row.free_seconds * 1000) return null;
  return new QuotaExceeded(seconds(row.free_used_ms), row.free_seconds);
}

export async function usageReport(env: Env, accountId: string, period: string) {
  const account = await env.DB.prepare(
    "SELECT free_seconds, pay_as_you_go, price_per_second FROM accounts WHERE id = ?",
  )
    .bind(accountId)
    .first<{ free_seconds: number; pay_as_you_go: number; price_per_second: number }>();
  const [total, bySpace, daily] = await env.DB.batch<Counters & { space_id?: string; name?: string; day?: string }>([
    env.DB.prepare("SELECT free_used_ms, overage_ms, unbilled_ms FROM usage_counters WHERE account_id = ? AND period = ?").bind(
      accountId,
      period,
    ),
    env.DB.prepare(
      `SELECT usage_by_space.space_id, spaces.name, free_used_ms, overage_ms, unbilled_ms
       FROM usage_by_space JOIN spaces ON spaces.id = usage_by_space.space_id
       WHERE usage_by_space.account_id = ? AND period = ? ORDER BY spaces.name`,
    ).bind(accountId, period),
    env.DB.prepare(
      "SELECT day, free_used_ms, overage_ms, unbilled_ms FROM usage_daily WHERE account_id = ? AND day >= ? AND day < ? ORDER BY day",
    ).bind(accountId, `${period}-01`, `${period}-99`),
  ]);
  const counters = total.results[0] ?? ZERO;
  const breakdown = (row: Counters) => ({
    usedSeconds: seconds(row.free_used_ms + row.overage_ms + row.unbilled_ms),
    freeUsedSeconds: seconds(row.free_used_ms),
    overageSeconds: seconds(row.overage_ms),
    unbilledSeconds: seconds(row.unbilled_ms),
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
    bySpace: bySpace.results.map((row) => ({ spaceId: row.space_id!, name: row.name!, ...breakdown(row) })),
    daily: daily.results.map((row) => ({ day: row.day!, ...breakdown(row) })),
  };
}

/**
 * Recomputes the period's counters from the ledger and reports any difference, and lists finished
 * jobs charged in the period whose executionMs differs from the sum of their charged slices.
 * Both lists are empty when the §5 invariant holds.
 */
export async function usageDrift(env: Env, accountId: string, period: string) {
  const [ledger, counters, jobs] = await env.DB.batch<Record<string, number | string>>([
    env.DB.prepare(
      `SELECT coalesce(sum(free_ms), 0) AS free_used_ms, coalesce(sum(overage_ms), 0) AS overage_ms,
              coalesce(sum(unbilled_ms), 0) AS unbilled_ms
       FROM usage_ledger WHERE account_id = ? AND period = ?`,
    ).bind(accountId, period),
    env.DB.prepare("SELECT free_used_ms, overage_ms, unbilled_ms FROM usage_counters WHERE account_id = ? AND period = ?").bind(
      accountId,
      period,
    ),
    env.DB.prepare(
      `SELECT jobs.id AS job_id, jobs.execution_ms, (SELECT sum(ms) FROM usage_ledger l WHERE l.job_id = jobs.id) AS charged_ms
       FROM jobs WHERE jobs.account_id = ? AND jobs.ended_at IS NOT NULL
         AND jobs.id IN (SELECT job_id FROM usage_ledger WHERE account_id = ? AND period = ?)
         AND jobs.execution_ms <> (SELECT sum(ms) FROM usage_ledger l WHERE l.job_id = jobs.id)`,
    ).bind(accountId, accountId, period),
  ]);
  const fromLedger = ledger.results[0] as unknown as Counters;
  const stored = (counters.results[0] as unknown as Counters | undefined) ?? ZERO;
  const drift = (["free_used_ms", "overage_ms", "unbilled_ms"] as const)
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
