// Retention (run by the watchdog): a job finished longer ago than the retention period is deleted
// with everything it left behind — its row, output, timeline, webhook deliveries and attempts in D1,
// and its runner's Durable Object storage (checkpoint, logs). The usage ledger is kept: charges are
// the account's billing record, not the job's.
import type { Env } from "../env";
import { runnerFor } from "./dispatcher";
import { FINAL_STATES, sqlStates } from "./states";

/** Finished jobs are kept this long unless JOB_RETENTION_DAYS says otherwise. */
export const DEFAULT_RETENTION_DAYS = 30;
/** Jobs purged per watchdog run; a backlog drains over the next runs. */
export const PURGE_BATCH = 200;

const DAY_MS = 86_400_000;

export function retentionMs(env: Env): number {
  const days = env.JOB_RETENTION_DAYS ? Number(env.JOB_RETENTION_DAYS) : DEFAULT_RETENTION_DAYS;
  return days * DAY_MS;
}

/**
 * A job's pending deliveries, found through (job_id, webhook_id): the unary + keeps SQLite from
 * choosing the status index instead, which would read every pending delivery of every space.
 */
const PENDING_DELIVERY = "SELECT 1 FROM webhook_deliveries d WHERE d.job_id = jobs.id AND +d.status = 'pending'";

/** Finished jobs ended before ?1, oldest first (jobs_by_ended_at), without a pending delivery. */
export const EXPIRED_JOBS_SQL = `SELECT id, claimed_at IS NOT NULL AS had_runner FROM jobs
  WHERE ended_at IS NOT NULL AND ended_at < ? AND state IN (${sqlStates(FINAL_STATES)})
    AND NOT EXISTS (${PENDING_DELIVERY})
  ORDER BY ended_at LIMIT ${PURGE_BATCH}`;

/** Runners queued by earlier purges, oldest first. */
export const QUEUED_RUNNERS_SQL = `SELECT job_id FROM runner_purges ORDER BY queued_at LIMIT ${PURGE_BATCH}`;

/**
 * Deletes the rows of up to PURGE_BATCH expired jobs in one D1 batch, queueing their runners in
 * runner_purges, then empties the queued runners. A job with a webhook delivery still pending is
 * kept until the delivery ends. Returns the ids whose D1 rows were deleted.
 */
export async function purgeExpiredJobs(env: Env, now = Date.now()): Promise<string[]> {
  const expired = await env.DB.prepare(EXPIRED_JOBS_SQL)
    .bind(now - retentionMs(env))
    .all<{ id: string; had_runner: number }>();
  const purged: string[] = [];
  if (expired.results.length > 0) {
    const list = JSON.stringify(expired.results.map((row) => row.id));
    const runners = JSON.stringify(expired.results.filter((row) => row.had_runner).map((row) => row.id));
    // Every statement re-checks the job (a redelivery may have made a delivery pending since the
    // read); the batch is one transaction, so a job's rows go together or not at all.
    const chosen = `SELECT id FROM jobs WHERE id IN (SELECT value FROM json_each(?1))
       AND NOT EXISTS (${PENDING_DELIVERY})`;
    const results = await env.DB.batch([
      env.DB.prepare(
        `INSERT OR IGNORE INTO runner_purges (job_id, queued_at) SELECT value, ?2 FROM json_each(?3) WHERE value IN (${chosen})`,
      ).bind(list, now, runners),
      env.DB.prepare(
        `DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE job_id IN (${chosen}))`,
      ).bind(list),
      env.DB.prepare(`DELETE FROM webhook_deliveries WHERE job_id IN (${chosen})`).bind(list),
      env.DB.prepare(`DELETE FROM job_events WHERE job_id IN (${chosen})`).bind(list),
      env.DB.prepare(`DELETE FROM job_outputs WHERE job_id IN (${chosen})`).bind(list),
      env.DB.prepare(`DELETE FROM jobs WHERE id IN (${chosen}) RETURNING id`).bind(list),
    ]);
    purged.push(...(results.at(-1)!.results as { id: string }[]).map((row) => row.id));
  }
  await emptyQueuedRunners(env);
  return purged;
}

/** Deletes the storage of runners queued by earlier purges, oldest first; a failure waits for the next run. */
async function emptyQueuedRunners(env: Env) {
  const queued = await env.DB.prepare(QUEUED_RUNNERS_SQL).all<{
    job_id: string;
  }>();
  for (const { job_id } of queued.results) {
    try {
      await runnerFor(env, job_id).purge();
      await env.DB.prepare("DELETE FROM runner_purges WHERE job_id = ?").bind(job_id).run();
    } catch (error) {
      console.error("retention: runner purge failed", job_id, error);
    }
  }
}
