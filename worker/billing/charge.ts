// Charging execution time (DESIGN.md §5). The split is computed in SQL from the account's counters at
// the moment of the charge: free = min(ms, what is left of the free seconds); the rest is overage when
// pay-as-you-go is on, else unbilled. A charge is keyed by the last slice it covers, and the runner's
// keys only grow, so "insert only if the job has no row keyed at or after this slice" makes it
// exactly-once — also after the job's rows were rolled up — and the counters move by trigger in the
// same statement, so retries and concurrent charges stay exact.
import type { JobShard } from "../db/databases";
import { dayOf, periodOf } from "./periods";

export interface SliceCharge {
  jobId: string;
  accountId: string;
  spaceId: string;
  /** The last slice the charge covers: its key in the ledger. */
  slice: number;
  ms: number;
  endedAt: number;
}

/**
 * A condition the charge is made under, on the charge's parameters (?3 the account, ?4 the space, ?5
 * the period), with its own values from ?9 on.
 */
export interface ChargeGuard {
  sql: string;
  values: unknown[];
}

/** The charge's INSERT (RETURNING its key when guarded, so the caller sees whether it was made). */
export function chargeStatement(shard: JobShard, charge: SliceCharge, guard?: ChargeGuard): D1PreparedStatement {
  const period = periodOf(charge.endedAt);
  return shard
    .prepare(
      `INSERT INTO usage_ledger (job_id, slice, account_id, space_id, period, day, ms, free_ms, overage_ms, unbilled_ms, charged_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, split.free_ms,
              CASE WHEN split.pay_as_you_go THEN ?7 - split.free_ms ELSE 0 END,
              CASE WHEN split.pay_as_you_go THEN 0 ELSE ?7 - split.free_ms END,
              ?8
       FROM (
         SELECT min(?7, max(0, account_limits.free_seconds * 1000 - coalesce(usage_counters.free_used_ms, 0))) AS free_ms,
                account_limits.pay_as_you_go AS pay_as_you_go
         FROM account_limits
         LEFT JOIN usage_counters ON usage_counters.account_id = account_limits.account_id AND usage_counters.period = ?5
         WHERE account_limits.account_id = ?3
       ) AS split
       WHERE NOT EXISTS (SELECT 1 FROM usage_ledger WHERE job_id = ?1 AND slice >= ?2)${guard ? ` AND (${guard.sql}) RETURNING job_id` : ""}`,
    )
    .bind(
      charge.jobId,
      charge.slice,
      charge.accountId,
      charge.spaceId,
      period,
      dayOf(charge.endedAt),
      Math.max(0, Math.round(charge.ms)),
      charge.endedAt,
      ...(guard?.values ?? []),
    );
}

/**
 * Rolls a finished job's ledger up to one row per period: the period's last row takes the sums of its
 * rows and the others are deleted. UPDATE and DELETE fire no counter trigger, so the counters do not
 * move, and the last row keeps the highest key, so a late repeat of any earlier charge still finds a
 * row at or after its slice and inserts nothing. Goes in the job's final batch, after its charges.
 */
export function rollUpStatements(shard: JobShard, jobId: string): D1PreparedStatement[] {
  const lastOfPeriod = "(SELECT max(slice) FROM usage_ledger AS l WHERE l.job_id = ?1 AND l.period = usage_ledger.period)";
  const sumOf = (column: string) =>
    `(SELECT sum(${column}) FROM usage_ledger AS l WHERE l.job_id = ?1 AND l.period = usage_ledger.period)`;
  return [
    shard
      .prepare(
        `UPDATE usage_ledger SET ms = ${sumOf("ms")}, free_ms = ${sumOf("free_ms")}, overage_ms = ${sumOf("overage_ms")},
           unbilled_ms = ${sumOf("unbilled_ms")}
         WHERE job_id = ?1 AND slice = ${lastOfPeriod}`,
      )
      .bind(jobId),
    shard.prepare(`DELETE FROM usage_ledger WHERE job_id = ?1 AND slice < ${lastOfPeriod}`).bind(jobId),
  ];
}
