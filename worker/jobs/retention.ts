// Retention (run by the watchdog on every shard): a job finished longer ago than its account's retention
// period (account_limits.retention_days, else the deployment's JOB_RETENTION_DAYS) is deleted with everything it left behind — its row, output, timeline, webhook deliveries and
// attempts, and ledger rows in D1 (their sums kept per space and period in usage_purged), its runner's
// Durable Object storage (checkpoint, logs) and its R2 payloads. The counters keep the billing totals.
import type { JobShard } from "../db/databases";
import type { Env } from "../env";
import { runnerFor } from "./dispatcher";
import { deletePayloads } from "./payloads";
import { FINAL_STATES, sqlStates } from "./states";

/** Finished jobs are kept this long unless JOB_RETENTION_DAYS says otherwise. */
export const DEFAULT_RETENTION_DAYS = 30;
/** Jobs purged per watchdog run; a backlog drains over the next runs. */
export const PURGE_BATCH = 200;

const DAY_MS = 86_400_000;

/** The deployment's retention period in days: what an account without its own keeps finished jobs for. */
export function retentionDays(env: Env): number {
  return env.JOB_RETENTION_DAYS ? Number(env.JOB_RETENTION_DAYS) : DEFAULT_RETENTION_DAYS;
}

/**
 * A job's pending deliveries, found through (job_id, webhook_id): the unary + keeps SQLite from
 * choosing the status index instead, which would read every pending delivery of every space.
 */
const PENDING_DELIVERY = "SELECT 1 FROM webhook_deliveries d WHERE d.job_id = jobs.id AND +d.status = 'pending'";

/**
 * Finished jobs past their account's period at ?1 (?2: the deployment's days, for accounts without
 * their own), without a pending delivery: account by account, each account's oldest first
 * (jobs_by_account_ended). The accounts are the shard's limits rows, read whole (one per account):
 * CROSS JOIN keeps SQLite from turning the loops round, which would read every finished job.
 */
export const EXPIRED_JOBS_SQL = `SELECT jobs.id FROM account_limits CROSS JOIN jobs
  WHERE jobs.account_id = account_limits.account_id AND jobs.ended_at IS NOT NULL
    AND jobs.ended_at < ?1 - coalesce(account_limits.retention_days, ?2) * ${DAY_MS}
    AND jobs.state IN (${sqlStates(FINAL_STATES)}) AND NOT EXISTS (${PENDING_DELIVERY})
  LIMIT ${PURGE_BATCH}`;

/** Purged jobs whose runner or R2 objects are still to be deleted, oldest first. */
export const PURGE_QUEUE_SQL = `SELECT job_id, runner, objects FROM purge_queue ORDER BY queued_at LIMIT ${PURGE_BATCH}`;

/**
 * Deletes the rows of up to PURGE_BATCH expired jobs of one shard in one D1 batch, queueing their
 * runners and R2 objects in purge_queue and folding their ledger rows into usage_purged (the
 * counters keep the totals; the drift check adds usage_purged to the ledger), then empties the
 * queue. A job with a webhook delivery still pending is kept until the delivery ends. Returns the
 * ids whose D1 rows were deleted.
 */
export async function purgeExpiredJobs(env: Env, shard: JobShard, now = Date.now()): Promise<string[]> {
  const expired = await shard.prepare(EXPIRED_JOBS_SQL).bind(now, retentionDays(env)).all<{ id: string }>();
  const purged: string[] = [];
  if (expired.results.length > 0) {
    const list = JSON.stringify(expired.results.map((row) => row.id));
    // Every statement re-checks the job (a redelivery may have made a delivery pending since the
    // read); the batch is one transaction, so a job's rows go together or not at all.
    const chosen = `SELECT id FROM jobs WHERE id IN (SELECT value FROM json_each(?1))
       AND NOT EXISTS (${PENDING_DELIVERY})`;
    const objects = `(SELECT json_group_array(ref) FROM (
         SELECT jobs.input_ref AS ref UNION ALL SELECT output_ref FROM job_outputs WHERE job_outputs.job_id = jobs.id
       ) WHERE ref IS NOT NULL)`;
    const results = await shard.batch([
      shard
        .prepare(
          `INSERT OR IGNORE INTO purge_queue (job_id, runner, objects, queued_at)
           SELECT id, claimed_at IS NOT NULL, ${objects}, ?2 FROM jobs WHERE id IN (${chosen})`,
        )
        .bind(list, now),
      shard
        .prepare(
          `INSERT INTO usage_purged (account_id, space_id, period, ms, free_ms, overage_ms, unbilled_ms)
           SELECT account_id, space_id, period, sum(ms), sum(free_ms), sum(overage_ms), sum(unbilled_ms)
           FROM usage_ledger WHERE job_id IN (${chosen}) GROUP BY account_id, space_id, period
           ON CONFLICT (account_id, period, space_id) DO UPDATE SET ms = ms + excluded.ms, free_ms = free_ms + excluded.free_ms,
             overage_ms = overage_ms + excluded.overage_ms, unbilled_ms = unbilled_ms + excluded.unbilled_ms`,
        )
        .bind(list),
      shard.prepare(`DELETE FROM usage_ledger WHERE job_id IN (${chosen})`).bind(list),
      shard
        .prepare(`DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE job_id IN (${chosen}))`)
        .bind(list),
      shard.prepare(`DELETE FROM webhook_deliveries WHERE job_id IN (${chosen})`).bind(list),
      shard.prepare(`DELETE FROM job_events WHERE job_id IN (${chosen})`).bind(list),
      shard.prepare(`DELETE FROM job_outputs WHERE job_id IN (${chosen})`).bind(list),
      shard.prepare(`DELETE FROM jobs WHERE id IN (${chosen}) RETURNING id`).bind(list),
    ]);
    purged.push(...(results.at(-1)!.results as { id: string }[]).map((row) => row.id));
  }
  await emptyPurgeQueue(env, shard);
  return purged;
}

/** Deletes the runners' storage and the R2 objects of purged jobs, oldest first; a failure waits for the next run. */
async function emptyPurgeQueue(env: Env, shard: JobShard) {
  const queued = await shard.prepare(PURGE_QUEUE_SQL).all<{ job_id: string; runner: number; objects: string }>();
  for (const { job_id, runner, objects } of queued.results) {
    try {
      if (runner) await runnerFor(env, job_id).purge();
      await deletePayloads(env, JSON.parse(objects) as string[]);
      await shard.prepare("DELETE FROM purge_queue WHERE job_id = ?").bind(job_id).run();
    } catch (error) {
      console.error("retention: purge of a job's runner or payloads failed", job_id, error);
    }
  }
}
