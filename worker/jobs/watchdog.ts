// The watchdog (cron, every minute). Alarms are retried a bounded number of times and queue
// messages can be lost to a failed send, so it (1) re-arms runners whose heartbeat is stale and
// marks those whose state is gone ERROR/ZOMBIE_PROCESS, (2) forwards cancels that did not land,
// also to jobs sleeping in a WAIT, (3) re-sends triggers for accounts with old WAITING jobs and a
// free slot, (4) re-sends webhook deliveries whose queue message was lost, (5) purges jobs finished
// longer ago than the retention period (retention.ts). Each run walks every job shard in turn; a
// shard's passes keep their cursors in that shard.
import { allShards, directory, type JobShard } from "../db/databases";
import type { Env } from "../env";
import { enqueueDeliveries, enqueueDelivery, transitionDeliveries, webhooksOfScope } from "../webhooks/fanout";
import { fillSlots, runnerFor, sendTrigger, startRunner, type TriggerMessage } from "./dispatcher";
import { purgeExpiredJobs } from "./retention";
import { rollUpSolves } from "../billing/solve";
import { cancelWaiting } from "./service";
import { SLOT_HOLDING_STATES, sqlStates, statusForOutcome, statesBefore } from "./states";
import { mirrorIntervalMs } from "./mirror";

/** A running job mirrors at least every slice (about a second); this much silence means stuck. */
export const STALE_AFTER_MS = 60_000;
/** A job this long in WAITING while its account has free slots lost its trigger. */
export const TRIGGER_LOST_AFTER_MS = 30_000;
/** A cancel reaches the runner directly and lands within about a second; one this old did not. */
export const CANCEL_LOST_AFTER_MS = 10_000;
/** A pending webhook delivery this far past its next attempt lost its queue message. */
export const DELIVERY_LOST_AFTER_MS = 120_000;

/**
 * The bounded work of one run. Every job the first two passes handle costs a runner call (and a
 * zombie a D1 batch and two queue sends), and Workers cap the subrequests of one invocation (50 on
 * the free plan, 10,000 on the paid one), so each pass takes at most `pages × pageSize` rows per
 * run, oldest first, and stores where it stopped (watchdog_cursors): the next run goes on from
 * there, so every stale job and every starving account is reached whatever their number. Accounts
 * cost one queue send per page, so that pass may take more pages.
 */
export interface WatchdogLimits {
  pageSize: number;
  stalePages: number;
  cancelPages: number;
  accountPages: number;
}
export const WATCHDOG_LIMITS: WatchdogLimits = { pageSize: 100, stalePages: 5, cancelPages: 5, accountPages: 50 };

export interface WatchdogReport {
  rearmed: string[];
  restarted: string[];
  zombies: string[];
  cancelsForwarded: string[];
  retriggeredAccounts: string[];
  /** Accounts disabled while a trigger was being accepted: their late WAITING jobs were canceled. */
  disabledAccountsCleared: string[];
  resentDeliveries: string[];
  purged: string[];
  /** Solve rows of the ledger folded into their space's row of the day (billing/solve.ts rollUpSolves). */
  solveRowsRolledUp: number;
  /** Jobs and accounts whose handling threw: logged, skipped, and tried again by the next run. */
  skipped: string[];
}

interface WatchedJob {
  id: string;
  account_id: string;
  space_id: string;
  rule_id: string;
  rule_version: number;
  state: string;
  steps: number;
  position: number;
}

const HOLDING = sqlStates(SLOT_HOLDING_STATES);
const WATCHED_COLUMNS = "id, account_id, space_id, rule_id, rule_version, state, steps";

/**
 * Jobs holding a slot and silent since before ?1 (no heartbeat, and not asleep in a WAIT that has
 * not ended), oldest silence first, after the cursor (?2, ?3). `input` is not read: the restart
 * path reads it for the one job it restarts. One range of the jobs_watch_quiet index.
 */
export const STALE_JOBS_SQL = `SELECT ${WATCHED_COLUMNS}, quiet_since AS position FROM jobs
  WHERE state IN (${HOLDING}) AND quiet_since < ?1 AND (quiet_since, id) > (?2, ?3)
  ORDER BY quiet_since, id LIMIT ?4`;

/** CANCELING jobs whose cancel was requested before ?1, sleeping or not, oldest request first (jobs_watch_canceling). */
export const UNLANDED_CANCELS_SQL = `SELECT ${WATCHED_COLUMNS}, cancel_requested_at AS position FROM jobs
  WHERE state = 'CANCELING' AND cancel_requested_at < ?1 AND (cancel_requested_at, id) > (?2, ?3)
  ORDER BY cancel_requested_at, id LIMIT ?4`;

/**
 * The next ?2 accounts after ?1 that have WAITING jobs, each found with one probe of the
 * jobs_waiting_by_account index (a skip scan: an account with a million waiting jobs costs what one
 * with a single job does), and whether it starves: its oldest waiting job is older than ?3 and it
 * has a free slot. A full account is not starving — the job holding its slot sends a trigger when
 * it ends — so full accounts, however many, never crowd out one that lost its trigger.
 */
export const WAITING_ACCOUNTS_SQL = `WITH RECURSIVE waiting(account_id) AS (
    SELECT (SELECT account_id FROM jobs WHERE state = 'WAITING' AND account_id > ?1 ORDER BY account_id LIMIT 1)
    UNION ALL
    SELECT (SELECT account_id FROM jobs WHERE state = 'WAITING' AND account_id > waiting.account_id ORDER BY account_id LIMIT 1)
    FROM waiting WHERE waiting.account_id IS NOT NULL
    LIMIT ?2)
  SELECT account_id,
    (SELECT created_at FROM jobs WHERE state = 'WAITING' AND account_id = waiting.account_id ORDER BY id LIMIT 1) < ?3
      AND (SELECT count(*) FROM jobs WHERE account_id = waiting.account_id AND state IN (${HOLDING}))
        < (SELECT parallel_limit FROM account_limits WHERE account_id = waiting.account_id) AS starving,
    coalesce((SELECT disabled FROM account_limits WHERE account_id = waiting.account_id), 0) AS disabled
  FROM waiting WHERE account_id IS NOT NULL`;

/** The restart path's one read of a job's input (a stale job that never ran a node). */
export const RESTART_INPUT_SQL = "SELECT input, input_ref FROM jobs WHERE id = ?";

/**
 * Pending deliveries past their next attempt by more than the grace, oldest first, at most 500 a
 * run; pushing next_attempt_at ahead takes them out of the next run's set, so no cursor is needed.
 */
export const LOST_DELIVERIES_SQL = `UPDATE webhook_deliveries SET next_attempt_at = ?1 WHERE id IN (
    SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at < ?2 ORDER BY next_attempt_at LIMIT 500)
  RETURNING id, series`;

export const ZOMBIE_SQL = `UPDATE jobs SET state = ?, status_code = ?, status_message = ?, transition_note = ?, ended_at = ?,
    updated_at = ?, error = ? WHERE id = ? AND state IN (${sqlStates(statesBefore("ERROR"))}) RETURNING id`;

export const CURSORS_SQL = "SELECT pass, position FROM watchdog_cursors";

/** Who a forwarded cancel is from, in the runner's timeline. */
const CANCEL_BY = "the watchdog (cancel was requested)";

type Pass = "stale" | "cancels" | "accounts";

/**
 * The grace periods, all shortened to WATCHDOG_GRACE_MS when that variable is set (the crash suite
 * restarts a local server and should not wait minutes for the watchdog).
 */
function graces(env: Env) {
  const override = env.WATCHDOG_GRACE_MS ? Number(env.WATCHDOG_GRACE_MS) : null;
  return {
    // A running job is silent for up to one mirror interval by design: stale is several of them.
    stale: override ?? Math.max(STALE_AFTER_MS, 4 * mirrorIntervalMs(env)),
    triggerLost: override ?? TRIGGER_LOST_AFTER_MS,
    cancelLost: override ?? CANCEL_LOST_AFTER_MS,
    deliveryLost: override ?? DELIVERY_LOST_AFTER_MS,
  };
}

export async function runWatchdog(env: Env, now = Date.now(), limits: Partial<WatchdogLimits> = {}): Promise<WatchdogReport> {
  const report: WatchdogReport = {
    rearmed: [],
    restarted: [],
    zombies: [],
    cancelsForwarded: [],
    retriggeredAccounts: [],
    disabledAccountsCleared: [],
    resentDeliveries: [],
    purged: [],
    solveRowsRolledUp: 0,
    skipped: [],
  };
  // One shard's failure (its database unreachable) is logged and the next shard is still watched.
  for (const shard of allShards(env)) await isolated(`shard ${shard.name}`, () => watchShard(env, shard, now, limits, report));
  return report;
}

/** The watchdog's passes over one shard, adding what they did to `report`. */
async function watchShard(env: Env, shard: JobShard, now: number, limits: Partial<WatchdogLimits>, report: WatchdogReport) {
  const grace = graces(env);
  const { pageSize, stalePages, cancelPages, accountPages } = { ...WATCHDOG_LIMITS, ...limits };
  const cursors = await loadCursors(shard);
  // A pass that fails (its page query, its cursor) is logged and the next pass still runs.
  const walk = <Row>(
    pass: Pass,
    pages: number,
    page: (after: unknown) => Promise<Row[]>,
    position: (row: Row) => unknown,
    handle: (rows: Row[]) => Promise<void>,
  ) => isolated(`${pass} pass of ${shard.name}`, () => walkPages(shard, cursors, pass, pages, pageSize, page, position, handle));

  // Each job is handled on its own: one that throws is logged and skipped, and the rest go on.
  const eachJob = (handle: (job: WatchedJob) => Promise<void>) => async (jobs: WatchedJob[]) => {
    for (const job of jobs) {
      if (!(await isolated(`job ${job.id}`, () => handle(job)))) report.skipped.push(job.id);
    }
  };
  const jobPage = (sql: string, before: number) => async (after: unknown) => {
    const [position, id] = (after as [number, string] | null) ?? [-1, ""];
    return (await shard.prepare(sql).bind(before, position, id, pageSize).all<WatchedJob>()).results;
  };
  const jobPosition = (job: WatchedJob) => [job.position, job.id];

  const revived = new Set<string>();
  await walk("stale", stalePages, jobPage(STALE_JOBS_SQL, now - grace.stale), jobPosition, eachJob(async (job) => {
    revived.add(job.id);
    const cancelBy = job.state === "CANCELING" ? CANCEL_BY : null;
    const runner = runnerFor(env, job.id);
    const result = await runner.revive(cancelBy);
    if (result !== "missing") {
      report.rearmed.push(job.id);
    } else if (job.steps === 0) {
      // Claimed, but the runner never got its start call: start it now (start is idempotent). A
      // cancel stored first is taken up by start(), so a canceled job ends without running a node.
      if (cancelBy) await runner.requestCancel(cancelBy);
      await restart(env, shard, job);
      report.restarted.push(job.id);
    } else if (await markZombie(env, shard, job)) {
      report.zombies.push(job.id);
    }
  }));

  // A cancel whose requestCancel call failed never reaches a runner that keeps mirroring (its
  // heartbeat is fresh) or sleeps in a WAIT (it is not stale): forward it, sleeping or not.
  await walk("cancels", cancelPages, jobPage(UNLANDED_CANCELS_SQL, now - grace.cancelLost), jobPosition, eachJob(async (job) => {
    if (revived.has(job.id)) return;
    const runner = runnerFor(env, job.id);
    // A runner without state keeps the request until its start() (the stale pass restarts it).
    if ((await runner.revive(CANCEL_BY)) === "missing") await runner.requestCancel(CANCEL_BY);
    report.cancelsForwarded.push(job.id);
  }));

  await walk(
    "accounts",
    accountPages,
    async (after) =>
      (
        await shard
          .prepare(WAITING_ACCOUNTS_SQL)
          .bind((after as string | null) ?? "", pageSize, now - grace.triggerLost)
          .all<{ account_id: string; starving: number; disabled: number }>()
      ).results,
    (row) => row.account_id,
    async (rows) => {
      // A trigger accepted while its account was being disabled can land after the disable's cancel:
      // the claim never starts it, and this ends it as the disable would have.
      for (const { account_id } of rows.filter((row) => row.disabled)) {
        const cleared = await isolated(`disabled account ${account_id}`, () =>
          cancelWaiting(env, shard, { accountId: account_id }, DISABLED_STATUS, "Canceled while waiting: the account was disabled", now),
        );
        if (cleared) report.disabledAccountsCleared.push(account_id);
      }
      const starving = rows.filter((row) => row.starving && !row.disabled).map((row) => row.account_id);
      if (starving.length === 0) return;
      const messages = starving.map((accountId) => ({
        body: { accountId, shard: shard.name, reason: "watchdog" } satisfies TriggerMessage,
        contentType: "json" as const,
      }));
      if (await isolated("trigger batch", () => env.JOB_TRIGGERS.sendBatch(messages))) {
        report.retriggeredAccounts.push(...starving);
        return;
      }
      // The queue refused: claim for these accounts here instead.
      for (const accountId of starving) {
        if (!(await isolated(`account ${accountId}`, () => fillSlots(env, shard, accountId)))) report.skipped.push(accountId);
      }
    },
  );

  await isolated(`deliveries pass of ${shard.name}`, async () => {
    const lost = await shard
      .prepare(LOST_DELIVERIES_SQL)
      .bind(now + grace.deliveryLost, now - grace.deliveryLost)
      .all<{ id: string; series: number }>();
    for (const delivery of lost.results) {
      await enqueueDelivery(env, { deliveryId: delivery.id, shard: shard.name, series: delivery.series });
      report.resentDeliveries.push(delivery.id);
    }
  });

  await isolated(`retention pass of ${shard.name}`, async () => {
    report.purged.push(...(await purgeExpiredJobs(env, shard, now)));
  });

  await isolated(`solve roll-up of ${shard.name}`, async () => {
    report.solveRowsRolledUp += await rollUpSolves(shard, now);
  });
}

/** How the watchdog ends the late WAITING jobs of a disabled account (as the disable itself does). */
const DISABLED_STATUS = statusForOutcome({ kind: "system-canceled", message: "Canceled by the system: the account was disabled" });

/** Runs one unit of the watchdog's work; a failure is logged with its cause and reported as false. */
async function isolated(what: string, work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    console.error(`watchdog: ${what} failed; skipped until the next run`, error);
    return false;
  }
}

/** Where each pass stopped last run; when that cannot be read, every pass starts from the oldest. */
async function loadCursors(shard: JobShard): Promise<Map<Pass, unknown>> {
  const cursors = new Map<Pass, unknown>();
  await isolated(`reading the cursors of ${shard.name}`, async () => {
    const rows = await shard.prepare(CURSORS_SQL).all<{ pass: Pass; position: string }>();
    for (const row of rows.results) cursors.set(row.pass, JSON.parse(row.position));
  });
  return cursors;
}

/**
 * Pages through one pass from its stored cursor. A pass that reaches the end deletes its cursor (the
 * next run starts again from the oldest); one that uses up its pages stores where it stopped.
 */
async function walkPages<Row>(
  shard: JobShard,
  cursors: Map<Pass, unknown>,
  pass: Pass,
  pages: number,
  pageSize: number,
  page: (after: unknown) => Promise<Row[]>,
  position: (row: Row) => unknown,
  handle: (rows: Row[]) => Promise<void>,
) {
  let after: unknown = cursors.get(pass) ?? null;
  for (let done = 0; done < pages; done++) {
    const rows = await page(after);
    await handle(rows);
    if (rows.length < pageSize) {
      if (cursors.has(pass)) await shard.prepare("DELETE FROM watchdog_cursors WHERE pass = ?").bind(pass).run();
      return;
    }
    after = position(rows.at(-1)!);
  }
  await shard.prepare(
    `INSERT INTO watchdog_cursors (pass, position, updated_at) VALUES (?1, ?2, ?3)
     ON CONFLICT (pass) DO UPDATE SET position = ?2, updated_at = ?3`,
  )
    .bind(pass, JSON.stringify(after), Date.now())
    .run();
}

async function restart(env: Env, shard: JobShard, job: WatchedJob) {
  const row = await shard.prepare(RESTART_INPUT_SQL).bind(job.id).first<{ input: string; input_ref: string | null }>();
  if (!row) return;
  await startRunner(env, shard, { ...job, input: row.input, input_ref: row.input_ref });
}

/**
 * Ends a job whose runner lost its state: ERROR / ZOMBIE_PROCESS with its JOB.ERROR deliveries in the
 * same batch (exactly once, see transitionDeliveries), then the "slot freed" trigger and the
 * deliveries' messages. Returns false when the job had ended meanwhile.
 */
async function markZombie(env: Env, shard: JobShard, job: WatchedJob): Promise<boolean> {
  const status = statusForOutcome({
    kind: "zombie",
    message: "The job's runner lost its state; the job cannot continue",
  });
  const now = Date.now();
  const scope = { jobId: job.id, spaceId: job.space_id };
  const webhooks = await webhooksOfScope(directory(env), scope);
  const [deliveries, changed] = await shard.batch<{ id: string }>([
    transitionDeliveries(shard, webhooks, status.state, statesBefore(status.state), scope, now),
    shard.prepare(ZOMBIE_SQL).bind(
      status.state,
      status.code,
      status.message,
      "Watchdog found the runner without state",
      now,
      now,
      JSON.stringify({ node: null, message: status.message }),
      job.id,
    ),
  ]);
  if (changed.results.length === 0) return false;
  await sendTrigger(env, { accountId: job.account_id, shard: shard.name, reason: "slot-freed", jobId: job.id });
  await enqueueDeliveries(env, shard, deliveries.results.map((row) => row.id));
  return true;
}
