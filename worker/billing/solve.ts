// Billing of solves (POST /rule/solve, DESIGN.md §13): a solve's computed time is charged like a job
// slice, through the same ledger statement and counter trigger, and the quota gate refuses a solve
// as it refuses a trigger.
import { jobShard } from "../db/databases";
import type { Env } from "../env";
import { AccountDisabled } from "../jobs/service";
import type { Caller } from "../keys/keys";
import { chargeStatement } from "./charge";
import { periodOf } from "./periods";
import { QuotaExceeded } from "./usage";

/**
 * The ledger key of a solve: `solve:<request id>`, slice 0. A request id is charged once however
 * often the charge is repeated (the ledger's "no row keyed at or after this slice" rule), and the
 * prefix is what the counter trigger (migrations/shard/0004) and the drift check count as `solve_ms`.
 * Job ids are newId()s, which never contain a colon.
 */
export function solveLedgerId(requestId: string): string {
  return `solve:${requestId}`;
}

/**
 * Charges `ms` of a solve to the caller's account and space, split free/overage/unbilled at this
 * moment exactly as a slice's is (§5), and counted into `solveMs`.
 */
export async function chargeSolve(env: Env, caller: Caller, ms: number, requestId: string): Promise<void> {
  const shard = jobShard(env, caller.shard);
  await chargeStatement(shard, {
    jobId: solveLedgerId(requestId),
    accountId: caller.accountId,
    spaceId: caller.spaceId,
    slice: 0,
    ms,
    endedAt: Date.now(),
  }).run();
}

/**
 * The gate of §5 for a solve: refused like POST /job/start (403 account-disabled, 402 quota-exceeded)
 * when the account is disabled, or its free seconds are used up and pay-as-you-go is off. A solve
 * started under an open gate runs and is charged in full; what passes the allowance is unbilled.
 */
export async function assertSolveAllowed(env: Env, caller: Caller): Promise<void> {
  const row = await jobShard(env, caller.shard)
    .prepare(
      `SELECT account_limits.disabled, account_limits.free_seconds, account_limits.pay_as_you_go,
              coalesce(usage_counters.free_used_ms, 0) AS free_used_ms
       FROM account_limits LEFT JOIN usage_counters ON usage_counters.account_id = account_limits.account_id AND usage_counters.period = ?
       WHERE account_limits.account_id = ?`,
    )
    .bind(periodOf(Date.now()), caller.accountId)
    .first<{ disabled: number; free_seconds: number; pay_as_you_go: number; free_used_ms: number }>();
  if (!row) throw new Error(`account ${caller.accountId} has no limits row on shard ${caller.shard}`);
  if (row.disabled) throw new AccountDisabled();
  if (!row.pay_as_you_go && row.free_used_ms >= row.free_seconds * 1000) throw new QuotaExceeded(row.free_used_ms / 1000, row.free_seconds);
}
