// Billing of solves (POST /rule/solve, DESIGN.md §13): a solve's computed time is charged like a job
// slice, through the same ledger statement and counter trigger, and the quota gate refuses a solve
// as it refuses a trigger.
import { jobShard, type JobShard } from "../db/databases";
import type { Env } from "../env";
import { AccountDisabled } from "../jobs/service";
import type { Caller } from "../keys/keys";
import { chargeStatement } from "./charge";
import { periodOf } from "./periods";
import { quotaAllows, QuotaExceeded } from "./usage";

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
 * A solve's charge as its only statement: made only while the quota gate is open (as solveGate
 * decides it) and the space's rule epoch is still `ruleEpoch`, the one the rule it evaluated was
 * remembered under. False when it was not made (nothing charged): the solve then goes the long way,
 * which reads the gate and the rule before it computes anything.
 */
export async function chargeSolveIfCurrent(env: Env, caller: Caller, ms: number, requestId: string, ruleEpoch: number): Promise<boolean> {
  const shard = jobShard(env, caller.shard);
  const charge = { jobId: solveLedgerId(requestId), accountId: caller.accountId, spaceId: caller.spaceId, slice: 0, ms, endedAt: Date.now() };
  const guard = {
    sql: `${quotaAllows("?3", "?5")} AND coalesce((SELECT epoch FROM rule_epochs WHERE space_id = ?4), 0) = ?9`,
    values: [ruleEpoch],
  };
  return (await chargeStatement(shard, charge, guard).first()) !== null;
}

/** What a solve's first statement reads: its quota gate's verdict, and the space's rule epoch. */
export interface SolveGate {
  /** Why the solve is refused (403 account-disabled, 402 quota-exceeded), or null. */
  refusal: AccountDisabled | QuotaExceeded | null;
  /** The space's rule epoch (solve/remembered-rules.ts): read before the solve reads any rule. */
  ruleEpoch: number;
}

/**
 * The gate of §5 for a solve, in one statement with the space's rule epoch: refused like
 * POST /job/start (403 account-disabled, 402 quota-exceeded) when the account is disabled, or its
 * free seconds are used up and pay-as-you-go is off. A solve started under an open gate runs and is
 * charged in full; what passes the allowance is unbilled.
 */
export async function solveGate(env: Env, caller: Caller): Promise<SolveGate> {
  const row = await jobShard(env, caller.shard)
    .prepare(
      `SELECT account_limits.disabled, account_limits.free_seconds, account_limits.pay_as_you_go,
              coalesce(usage_counters.free_used_ms, 0) AS free_used_ms,
              coalesce((SELECT epoch FROM rule_epochs WHERE space_id = ?3), 0) AS rule_epoch
       FROM account_limits LEFT JOIN usage_counters ON usage_counters.account_id = account_limits.account_id AND usage_counters.period = ?1
       WHERE account_limits.account_id = ?2`,
    )
    .bind(periodOf(Date.now()), caller.accountId, caller.spaceId)
    .first<{ disabled: number; free_seconds: number; pay_as_you_go: number; free_used_ms: number; rule_epoch: number }>();
  if (!row) throw new Error(`account ${caller.accountId} has no limits row on shard ${caller.shard}`);
  let refusal: SolveGate["refusal"] = null;
  if (row.disabled) refusal = new AccountDisabled();
  else if (!row.pay_as_you_go && row.free_used_ms >= row.free_seconds * 1000) refusal = new QuotaExceeded(row.free_used_ms / 1000, row.free_seconds);
  return { refusal, ruleEpoch: row.rule_epoch };
}


/** A solve's ledger row is rolled up this long after its charge (far past any repeat of it within its request). */
export const SOLVE_ROLLUP_AFTER_MS = 10 * 60_000;

/** The solve rows of the ledger charged before ?1: one range of its primary key ('solve;' follows every 'solve:…'). */
const OLD_SOLVES = "job_id >= 'solve:' AND job_id < 'solve;' AND charged_at < ?1";

/**
 * Each space's solve rows of a day, charged before ?1, with more than one row: the row that keeps
 * them (the greatest key) and their sums.
 */
export const SOLVE_ROLLUP_SQL = `WITH days AS (
    SELECT max(job_id) AS keeper, sum(ms) AS ms, sum(free_ms) AS free_ms, sum(overage_ms) AS overage_ms,
           sum(unbilled_ms) AS unbilled_ms, max(charged_at) AS charged_at
    FROM usage_ledger WHERE ${OLD_SOLVES} GROUP BY account_id, space_id, period, day HAVING count(*) > 1)
  UPDATE usage_ledger SET ms = days.ms, free_ms = days.free_ms, overage_ms = days.overage_ms, unbilled_ms = days.unbilled_ms,
    charged_at = days.charged_at
  FROM days WHERE usage_ledger.job_id = days.keeper AND usage_ledger.slice = 0`;

/** The other solve rows of those days (their keeper now holds their sums). */
export const SOLVE_ROLLUP_DELETE_SQL = `DELETE FROM usage_ledger WHERE ${OLD_SOLVES}
  AND job_id NOT IN (SELECT max(job_id) FROM usage_ledger WHERE ${OLD_SOLVES} GROUP BY account_id, space_id, period, day)`;

/**
 * Rolls the ledger's solve rows up to one row per space and day, once they are SOLVE_ROLLUP_AFTER_MS
 * old (run by the watchdog on every shard): one row per request would grow the shard by a row a
 * solve for good. The keeper takes the sums and the others go, in one transaction; UPDATE and DELETE
 * fire no counter trigger, so the counters, `solveMs`, the daily and per-space usage and the drift
 * check are all as before. Returns how many rows went.
 */
export async function rollUpSolves(shard: JobShard, now = Date.now()): Promise<number> {
  const before = now - SOLVE_ROLLUP_AFTER_MS;
  const [, deleted] = await shard.batch([shard.prepare(SOLVE_ROLLUP_SQL).bind(before), shard.prepare(SOLVE_ROLLUP_DELETE_SQL).bind(before)]);
  return deleted.meta.changes;
}
