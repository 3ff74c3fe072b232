// A job shard (drizzle-orm): one of several D1 databases holding the jobs of the accounts placed on
// it — job rows, outputs, timelines, the usage ledger and counters, the account's limits, webhook
// deliveries. Every statement on a shard is about accounts of that shard only; the directory
// (directory-schema.ts) says which shard an account is on.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { SLOT_HOLDING_STATES, sqlStates } from "../jobs/states";

/** Epoch milliseconds; the API renders them as ISO-8601. */
const epochMs = (name: string) => integer(name);

/**
 * An account's billing settings and parallel limit, authoritative here rather than in the directory:
 * the trigger's quota gate, the claim's slot count and a charge's free/overage split read them in the
 * same statement as the shard's counters and jobs.
 */
export const accountLimits = sqliteTable("account_limits", {
  accountId: text("account_id").primaryKey(),
  freeSeconds: integer("free_seconds").notNull().default(3600),
  payAsYouGo: integer("pay_as_you_go", { mode: "boolean" }).notNull().default(false),
  parallelLimit: integer("parallel_limit").notNull().default(10),
  pricePerSecond: real("price_per_second").notNull().default(0.0001),
  /** Set by the admin API: the account's triggers are refused and its jobs were canceled. */
  disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
  /** Days a finished job of the account is kept; NULL: the deployment's JOB_RETENTION_DAYS. */
  retentionDays: integer("retention_days"),
  updatedAt: epochMs("updated_at").notNull(),
});

export const jobs = sqliteTable(
  "jobs",
  {
    /** ULID: sortable by creation time, so "newest first" is an index scan. */
    id: text("id").primaryKey(),
    spaceId: text("space_id").notNull(),
    accountId: text("account_id").notNull(),
    ruleId: text("rule_id").notNull(),
    /** The rule's alias when the job was triggered (rules live in the directory; lists need no join). */
    ruleAlias: text("rule_alias"),
    ruleVersion: integer("rule_version").notNull(),
    correlationId: text("correlation_id").notNull(),
    idempotencyKey: text("idempotency_key"),
    /** SHA-256 of (flow, version, body): an Idempotency-Key replay must carry the same request. */
    requestHash: text("request_hash"),
    usedApiKeyId: text("used_api_key_id").notNull(),
    /** The input as JSON text; empty when it is larger than 64 KiB and stored in R2 under `inputRef`. */
    input: text("input").notNull(),
    inputRef: text("input_ref"),
    state: text("state").notNull(),
    statusCode: text("status_code").notNull(),
    statusMessage: text("status_message").notNull(),
    /** Plain-English reason of the latest transition; the job_events trigger copies it. */
    transitionNote: text("transition_note").notNull(),
    error: text("error"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
    claimedAt: epochMs("claimed_at"),
    endedAt: epochMs("ended_at"),
    heartbeatAt: epochMs("heartbeat_at"),
    /** Set while the runner sleeps in a WAIT, so the watchdog does not take it for stale. */
    sleepingUntil: epochMs("sleeping_until"),
    steps: integer("steps").notNull().default(0),
    currentNode: text("current_node"),
    /** The outermost loop in an iteration (progress.loop): its node id, the iteration's index, its length when known. */
    loopNode: text("loop_node"),
    loopIndex: integer("loop_index"),
    loopLength: integer("loop_length"),
    executionMs: integer("execution_ms").notNull().default(0),
    /** When the job went CANCELING: mirrors do not touch it, so the watchdog can tell a cancel that never landed. */
    cancelRequestedAt: epochMs("cancel_requested_at"),
    /**
     * Since when a job holding a slot has been silent: its last heartbeat, or the end of its WAIT
     * while it sleeps. Virtual (computed on read, stored only in its index) so the watchdog's
     * stale-job query is one index range, oldest first.
     */
    quietSince: integer("quiet_since").generatedAlwaysAs(
      sql`max(coalesce(heartbeat_at, claimed_at, 0), coalesce(sleeping_until, 0))`,
      { mode: "virtual" },
    ),
  },
  (t) => [
    index("jobs_by_space").on(t.spaceId, t.id),
    index("jobs_by_space_state").on(t.spaceId, t.state, t.id),
    index("jobs_by_rule_version").on(t.ruleId, t.ruleVersion, t.id),
    index("jobs_by_space_correlation").on(t.spaceId, t.correlationId),
    index("jobs_by_account_state").on(t.accountId, t.state, t.id),
    /** Watchdog: jobs holding a slot, by the time since which they have been silent (oldest first). */
    index("jobs_watch_quiet")
      .on(t.quietSince, t.id)
      .where(sql.raw(`state IN (${sqlStates(SLOT_HOLDING_STATES)})`)),
    /** Watchdog: cancels not landed yet, oldest request first. */
    index("jobs_watch_canceling").on(t.cancelRequestedAt, t.id).where(sql`state = 'CANCELING'`),
    /** Watchdog: one probe per account with waiting jobs (a skip scan), whatever its number of waiting jobs. */
    index("jobs_waiting_by_account").on(t.accountId, t.id).where(sql`state = 'WAITING'`),
    /** Retention: an account's finished jobs, oldest first (each account has its own period). */
    index("jobs_by_account_ended").on(t.accountId, t.endedAt).where(sql`ended_at IS NOT NULL`),
    uniqueIndex("jobs_idempotency_per_space")
      .on(t.spaceId, t.idempotencyKey)
      .where(sql`idempotency_key IS NOT NULL`),
  ],
);

/**
 * Purged jobs whose storage outside D1 is still to be deleted — the runner's Durable Object storage,
 * the R2 objects of a large input or output: written in the batch that deletes the job's rows,
 * removed once that storage is gone (an outbox, so a failed delete is retried by the next watchdog
 * run and nothing of a purged job is left behind).
 */
export const purgeQueue = sqliteTable("purge_queue", {
  jobId: text("job_id").primaryKey(),
  /** The job had a runner (it was claimed). */
  runner: integer("runner", { mode: "boolean" }).notNull(),
  /** R2 keys of the job's payloads, as a JSON array (empty when both lived in D1). */
  objects: text("objects").notNull(),
  queuedAt: epochMs("queued_at").notNull(),
});

/**
 * Where each watchdog pass stopped when it reached its per-run bound, so the next run goes on from
 * there instead of seeing the same oldest rows again; a pass that reaches the end deletes its row.
 */
export const watchdogCursors = sqliteTable("watchdog_cursors", {
  pass: text("pass").primaryKey(),
  /** JSON of the last row handled, e.g. [quietSince, jobId] or the account id. */
  position: text("position").notNull(),
  updatedAt: epochMs("updated_at").notNull(),
});

/**
 * Job outputs (up to 1 MiB) live apart from the job row to keep list scans small; one larger than
 * 64 KiB is stored in R2 under `outputRef` and `output` is empty.
 */
export const jobOutputs = sqliteTable("job_outputs", {
  jobId: text("job_id").primaryKey(),
  output: text("output").notNull(),
  outputRef: text("output_ref"),
});

/** The transition timeline; rows are written by a trigger on jobs.state (see migrations). */
export const jobEvents = sqliteTable(
  "job_events",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    jobId: text("job_id").notNull(),
    at: epochMs("at").notNull(),
    state: text("state").notNull(),
    statusCode: text("status_code").notNull(),
    description: text("description").notNull(),
  },
  (t) => [index("job_events_by_job").on(t.jobId, t.seq)],
);

/**
 * The ledger: one row per mirror of a running job (its slices since the last mirror, keyed by the
 * last of them), rolled up to one row per job and period when the job ends. A charge is inserted only
 * if the job has no row keyed at or after its slice, so a repeated charge, even one of rows since
 * rolled up, inserts nothing; a trigger (migrations) moves the counters below only when a ledger row
 * is actually inserted.
 */
export const usageLedger = sqliteTable(
  "usage_ledger",
  {
    jobId: text("job_id").notNull(),
    slice: integer("slice").notNull(),
    accountId: text("account_id").notNull(),
    spaceId: text("space_id").notNull(),
    /** Calendar month (UTC) in which the slice ended: "2026-11". */
    period: text("period").notNull(),
    /** Day (UTC) in which the slice ended: "2026-11-28". */
    day: text("day").notNull(),
    ms: integer("ms").notNull(),
    freeMs: integer("free_ms").notNull(),
    overageMs: integer("overage_ms").notNull(),
    unbilledMs: integer("unbilled_ms").notNull(),
    chargedAt: epochMs("charged_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.slice] }), index("usage_ledger_by_period").on(t.accountId, t.period)],
);

const usageColumns = {
  freeUsedMs: integer("free_used_ms").notNull().default(0),
  overageMs: integer("overage_ms").notNull().default(0),
  unbilledMs: integer("unbilled_ms").notNull().default(0),
  /**
   * The part of the three above that solves (POST /rule/solve) computed, not jobs: a line of its own
   * in GET /api/usage. Moved by the ledger trigger for rows of a solve (billing/solve.ts).
   */
  solveMs: integer("solve_ms").notNull().default(0),
};

/**
 * What retention took out of the ledger with the jobs it purged, per account, space and period: the
 * counters keep the totals, and the drift check adds these rows to the ledger's.
 */
export const usagePurged = sqliteTable(
  "usage_purged",
  {
    accountId: text("account_id").notNull(),
    spaceId: text("space_id").notNull(),
    period: text("period").notNull(),
    ms: integer("ms").notNull().default(0),
    freeMs: integer("free_ms").notNull().default(0),
    overageMs: integer("overage_ms").notNull().default(0),
    unbilledMs: integer("unbilled_ms").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.period, t.spaceId] })],
);

/** Per account and period: what the quota gate reads. */
export const usageCounters = sqliteTable(
  "usage_counters",
  { accountId: text("account_id").notNull(), period: text("period").notNull(), ...usageColumns },
  (t) => [primaryKey({ columns: [t.accountId, t.period] })],
);

export const usageBySpace = sqliteTable(
  "usage_by_space",
  {
    accountId: text("account_id").notNull(),
    spaceId: text("space_id").notNull(),
    period: text("period").notNull(),
    ...usageColumns,
  },
  (t) => [primaryKey({ columns: [t.accountId, t.period, t.spaceId] })],
);

export const usageDaily = sqliteTable(
  "usage_daily",
  { accountId: text("account_id").notNull(), day: text("day").notNull(), ...usageColumns },
  (t) => [primaryKey({ columns: [t.accountId, t.day] })],
);

/** One delivery per (job, webhook): the unique index makes the fan-out exactly-once. */
export const webhookDeliveries = sqliteTable(
  "webhook_deliveries",
  {
    id: text("id").primaryKey(),
    webhookId: text("webhook_id").notNull(),
    spaceId: text("space_id").notNull(),
    jobId: text("job_id").notNull(),
    eventType: text("event_type").notNull(),
    /** pending → succeeded | failed (final 4xx) | dead-lettered (retries exhausted). */
    status: text("status").notNull(),
    /** Attempts in the current series; a redelivery starts a new series at 0. */
    attempts: integer("attempts").notNull().default(0),
    series: integer("series").notNull().default(1),
    lastStatusCode: integer("last_status_code"),
    nextAttemptAt: epochMs("next_attempt_at"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("webhook_deliveries_once").on(t.jobId, t.webhookId),
    index("webhook_deliveries_by_webhook").on(t.webhookId, t.id),
    index("webhook_deliveries_by_status").on(t.status, t.nextAttemptAt),
  ],
);

/** Every delivery attempt: time, status code, duration, error, and the start of the response. */
export const webhookAttempts = sqliteTable(
  "webhook_attempts",
  {
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    deliveryId: text("delivery_id").notNull(),
    series: integer("series").notNull(),
    attempt: integer("attempt").notNull(),
    at: epochMs("at").notNull(),
    statusCode: integer("status_code"),
    durationMs: integer("duration_ms").notNull(),
    error: text("error"),
    responseSnippet: text("response_snippet"),
  },
  (t) => [uniqueIndex("webhook_attempts_once").on(t.deliveryId, t.series, t.attempt)],
);

/**
 * Per space, a number bumped after every change to its rules (a publish, a new version, a type
 * switch): an isolate that remembers which version a trigger starts (jobs/start-targets.ts) inserts
 * its job only while the number is the one it remembered, so no trigger runs a superseded version.
 */
export const ruleEpochs = sqliteTable("rule_epochs", {
  spaceId: text("space_id").primaryKey(),
  epoch: integer("epoch").notNull(),
});

/**
 * Per space, a number bumped after every change to its webhook endpoints (created, changed,
 * deleted): an isolate that remembers a space's endpoints (webhooks/space-webhooks.ts) writes a
 * job's final batch with them only while the number is the one it remembered — the batch's guard
 * row, refused by a trigger otherwise, rolls the whole batch back.
 */
export const webhookEpochs = sqliteTable("webhook_epochs", {
  spaceId: text("space_id").primaryKey(),
  epoch: integer("epoch").notNull(),
});

/** Never holds a row: an insert is the final batch's guard, checked and dropped by its trigger (migration 0007). */
export const webhookEpochChecks = sqliteTable("webhook_epoch_checks", {
  spaceId: text("space_id").notNull(),
  epoch: integer("epoch").notNull(),
});
