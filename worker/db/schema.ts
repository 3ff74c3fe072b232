// The D1 schema (drizzle-orm). D1 is the source of truth for tenants, rules and job records;
// the per-job execution state lives in each job's JobRunner Durable Object.
import { sql } from "drizzle-orm";
import {
  index,
  integer,
  primaryKey,
  real,
  sqliteTable,
  text,
  uniqueIndex,
} from "drizzle-orm/sqlite-core";
import { SLOT_HOLDING_STATES, sqlStates } from "../jobs/states";

/** Epoch milliseconds; the API renders them as ISO-8601. */
const epochMs = (name: string) => integer(name);

export const accounts = sqliteTable("accounts", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  freeSeconds: integer("free_seconds").notNull().default(3600),
  payAsYouGo: integer("pay_as_you_go", { mode: "boolean" }).notNull().default(false),
  parallelLimit: integer("parallel_limit").notNull().default(10),
  pricePerSecond: real("price_per_second").notNull().default(0.0001),
  /** Set by the admin API: the account's triggers are refused and its jobs were canceled. */
  disabled: integer("disabled", { mode: "boolean" }).notNull().default(false),
  createdAt: epochMs("created_at").notNull(),
});

export const spaces = sqliteTable(
  "spaces",
  {
    id: text("id").primaryKey(),
    accountId: text("account_id")
      .notNull()
      .references(() => accounts.id),
    name: text("name").notNull(),
    createdAt: epochMs("created_at").notNull(),
  },
  (t) => [index("spaces_by_account").on(t.accountId)],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id),
    accountId: text("account_id").notNull(),
    kind: text("kind", { enum: ["solver", "management"] }).notNull(),
    name: text("name").notNull(),
    /** SHA-256 (hex) of the key's secret part; the key itself is never stored. */
    secretHash: text("secret_hash").notNull(),
    createdAt: epochMs("created_at").notNull(),
    revokedAt: epochMs("revoked_at"),
    /** Written at most about once a minute per key (worker/keys/last-used.ts), not on every request. */
    lastUsedAt: epochMs("last_used_at"),
  },
  (t) => [index("api_keys_by_space").on(t.spaceId)],
);

export const rules = sqliteTable(
  "rules",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id),
    name: text("name").notNull(),
    alias: text("alias"),
    type: text("type", { enum: ["integration-flow", "decision-table"] }).notNull(),
    latestVersion: integer("latest_version").notNull(),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("rules_alias_per_space").on(t.spaceId, t.alias),
    index("rules_by_space").on(t.spaceId, t.id),
  ],
);

export const ruleVersions = sqliteTable(
  "rule_versions",
  {
    ruleId: text("rule_id")
      .notNull()
      .references(() => rules.id),
    version: integer("version").notNull(),
    status: text("status", { enum: ["pending", "published"] }).notNull(),
    /** The definition as JSON text, exactly as validated on save. */
    definition: text("definition").notNull(),
    createdAt: epochMs("created_at").notNull(),
    publishedAt: epochMs("published_at"),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.version] })],
);

export const jobs = sqliteTable(
  "jobs",
  {
    /** ULID: sortable by creation time, so "newest first" is an index scan. */
    id: text("id").primaryKey(),
    spaceId: text("space_id").notNull(),
    accountId: text("account_id").notNull(),
    ruleId: text("rule_id").notNull(),
    ruleVersion: integer("rule_version").notNull(),
    correlationId: text("correlation_id").notNull(),
    idempotencyKey: text("idempotency_key"),
    /** SHA-256 of (flow, version, body): an Idempotency-Key replay must carry the same request. */
    requestHash: text("request_hash"),
    usedApiKeyId: text("used_api_key_id").notNull(),
    input: text("input").notNull(),
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
    /** Retention: finished jobs, oldest first. */
    index("jobs_by_ended_at").on(t.endedAt).where(sql`ended_at IS NOT NULL`),
    uniqueIndex("jobs_idempotency_per_space")
      .on(t.spaceId, t.idempotencyKey)
      .where(sql`idempotency_key IS NOT NULL`),
  ],
);

/**
 * Runners of purged jobs whose Durable Object storage is still to be deleted: written in the batch
 * that deletes the job's rows, removed once the runner's storage is gone (an outbox, so a failed
 * purge call is retried by the next watchdog run and no runner's storage is left behind).
 */
export const runnerPurges = sqliteTable("runner_purges", {
  jobId: text("job_id").primaryKey(),
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

/** Job outputs (up to 1 MiB) live apart from the job row to keep list scans small. */
export const jobOutputs = sqliteTable("job_outputs", {
  jobId: text("job_id").primaryKey(),
  output: text("output").notNull(),
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
 * One row per charged slice: the ledger. The primary key (job, slice) makes a charge exactly-once;
 * a trigger (migrations) moves the counters below only when a ledger row is actually inserted.
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
};

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

/** Webhook endpoints of a space. The signing secret is stored AES-GCM encrypted (WEBHOOK_SECRET_KEY). */
export const webhooks = sqliteTable(
  "webhooks",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id").notNull(),
    url: text("url").notNull(),
    /** JSON array of event types, e.g. ["JOB.COMPLETED"]. */
    events: text("events").notNull(),
    /** JSON array of rule ids, or NULL for every flow. */
    flows: text("flows"),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    secretCiphertext: text("secret_ciphertext").notNull(),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [index("webhooks_by_space").on(t.spaceId, t.id)],
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
