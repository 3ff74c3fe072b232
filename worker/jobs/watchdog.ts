// The watchdog (cron, every minute). Alarms are retried a bounded number of times and queue
// messages can be lost to a failed send, so it (1) re-arms runners whose heartbeat is stale,
// (2) marks runners whose state is gone as ERROR/ZOMBIE_PROCESS, (3) re-sends triggers for accounts
// with WAITING jobs and free slots, (4) re-sends webhook deliveries whose queue message was lost,
// (5) purges jobs finished longer ago than the retention period (retention.ts).
import type { Env } from "../env";
import { enqueueDelivery } from "../webhooks/fanout";
import { fillSlots, runnerFor, sendTrigger, startRunner } from "./dispatcher";
import { purgeExpiredJobs } from "./retention";
import { SLOT_HOLDING_STATES, sqlStates, statusForOutcome, statesBefore } from "./states";

/** A running job mirrors at least every slice (about a second); this much silence means stuck. */
export const STALE_AFTER_MS = 60_000;
/** A job this long in WAITING while its account has free slots lost its trigger. */
export const TRIGGER_LOST_AFTER_MS = 30_000;

/** A pending webhook delivery this far past its next attempt lost its queue message. */
export const DELIVERY_LOST_AFTER_MS = 120_000;

export interface WatchdogReport {
  rearmed: string[];
  restarted: string[];
  zombies: string[];
  retriggeredAccounts: string[];
  resentDeliveries: string[];
  purged: string[];
}

interface StaleJob {
  id: string;
  account_id: string;
  space_id: string;
  rule_id: string;
  rule_version: number;
  input: string;
  state: string;
  steps: number;
  transition_note: string;
}

/**
 * The grace periods, all shortened to WATCHDOG_GRACE_MS when that variable is set (the crash suite
 * restarts a local server and should not wait minutes for the watchdog).
 */
function graces(env: Env) {
  const override = env.WATCHDOG_GRACE_MS ? Number(env.WATCHDOG_GRACE_MS) : null;
  return {
    stale: override ?? STALE_AFTER_MS,
    triggerLost: override ?? TRIGGER_LOST_AFTER_MS,
    deliveryLost: override ?? DELIVERY_LOST_AFTER_MS,
  };
}

export async function runWatchdog(env: Env, now = Date.now()): Promise<WatchdogReport> {
  const grace = graces(env);
  const report: WatchdogReport = { rearmed: [], restarted: [], zombies: [], retriggeredAccounts: [], resentDeliveries: [], purged: [] };
  const holding = sqlStates(SLOT_HOLDING_STATES);
  const stale = await env.DB.prepare(
    `SELECT id, account_id, space_id, rule_id, rule_version, input, state, steps, transition_note FROM jobs
     WHERE state IN (${holding}) AND coalesce(heartbeat_at, claimed_at, 0) < ?1
       AND coalesce(sleeping_until, 0) < ?1
     LIMIT 500`,
  )
    .bind(now - grace.stale)
    .all<StaleJob>();

  for (const job of stale.results) {
    const cancelBy = job.state === "CANCELING" ? "the watchdog (cancel was requested)" : null;
    const result = await runnerFor(env, job.id).revive(cancelBy);
    if (result !== "missing") {
      report.rearmed.push(job.id);
    } else if (job.steps === 0) {
      // Claimed, but the runner never got its start call: start it now (start is idempotent).
      await startRunner(env, job);
      report.restarted.push(job.id);
    } else {
      await markZombie(env, job);
      report.zombies.push(job.id);
    }
  }

  const starving = await env.DB.prepare(
    `SELECT DISTINCT account_id FROM jobs WHERE state = 'WAITING' AND created_at < ? LIMIT 500`,
  )
    .bind(now - grace.triggerLost)
    .all<{ account_id: string }>();
  for (const { account_id } of starving.results) {
    if (await sendTrigger(env, { accountId: account_id, reason: "watchdog" })) {
      report.retriggeredAccounts.push(account_id);
    } else {
      await fillSlots(env, account_id);
    }
  }

  // Re-send lost delivery messages; pushing next_attempt_at ahead keeps the next run from repeating it.
  const lost = await env.DB.prepare(
    `UPDATE webhook_deliveries SET next_attempt_at = ?1 WHERE id IN (
       SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at < ?2 LIMIT 500)
     RETURNING id, series`,
  )
    .bind(now + grace.deliveryLost, now - grace.deliveryLost)
    .all<{ id: string; series: number }>();
  for (const delivery of lost.results) {
    await enqueueDelivery(env, { deliveryId: delivery.id, series: delivery.series });
    report.resentDeliveries.push(delivery.id);
  }

  report.purged = await purgeExpiredJobs(env, now);
  return report;
}

async function markZombie(env: Env, job: StaleJob) {
  const status = statusForOutcome({
    kind: "zombie",
    message: "The job's runner lost its state; the job cannot continue",
  });
  const now = Date.now();
  const states = sqlStates(statesBefore(status.state));
  await env.DB.prepare(
    `UPDATE jobs SET state = ?, status_code = ?, status_message = ?, transition_note = ?, ended_at = ?, updated_at = ?,
       error = ? WHERE id = ? AND state IN (${states})`,
  )
    .bind(
      status.state,
      status.code,
      status.message,
      "Watchdog found the runner without state",
      now,
      now,
      JSON.stringify({ node: null, message: status.message }),
      job.id,
    )
    .run();
  await sendTrigger(env, { accountId: job.account_id, reason: "slot-freed", jobId: job.id });
}
