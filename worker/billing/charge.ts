// Charging a slice (DESIGN.md §5). The split is computed in SQL from the account's counters at the
// moment of the charge: free = min(ms, what is left of the free seconds); the rest is overage when
// pay-as-you-go is on, else unbilled. The ledger's (job, slice) key makes it exactly-once, and the
// counters move by trigger in the same statement, so retries and concurrent charges stay exact.
import { dayOf, periodOf } from "./periods";

export interface SliceCharge {
  jobId: string;
  accountId: string;
  spaceId: string;
  slice: number;
  ms: number;
  endedAt: number;
}

export function chargeStatement(db: D1Database, charge: SliceCharge): D1PreparedStatement {
  const period = periodOf(charge.endedAt);
  return db
    .prepare(
      `INSERT INTO usage_ledger (job_id, slice, account_id, space_id, period, day, ms, free_ms, overage_ms, unbilled_ms, charged_at)
       SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, split.free_ms,
              CASE WHEN split.pay_as_you_go THEN ?7 - split.free_ms ELSE 0 END,
              CASE WHEN split.pay_as_you_go THEN 0 ELSE ?7 - split.free_ms END,
              ?8
       FROM (
         SELECT min(?7, max(0, accounts.free_seconds * 1000 - coalesce(usage_counters.free_used_ms, 0))) AS free_ms,
                accounts.pay_as_you_go AS pay_as_you_go
         FROM accounts LEFT JOIN usage_counters ON usage_counters.account_id = accounts.id AND usage_counters.period = ?5
         WHERE accounts.id = ?3
       ) AS split
       WHERE true
       ON CONFLICT (job_id, slice) DO NOTHING`,
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
    );
}
