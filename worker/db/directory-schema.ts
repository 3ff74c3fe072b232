// The directory database (drizzle-orm): who the tenants are and what they configured — accounts and
// the job shard each one lives on, spaces, API keys, rules with their versions, webhook endpoints,
// connectors, schedules.
// Everything a job produces lives in the account's job shard (shard-schema.ts).
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import { sql } from "drizzle-orm";

/** Epoch milliseconds; the API renders them as ISO-8601. */
const epochMs = (name: string) => integer(name);

/**
 * An account and its placement. The billing settings and the parallel limit live with the
 * account's counters in its shard (`account_limits`), so the trigger's gate, the claim and a charge
 * each stay one statement on one database.
 */
export const accounts = sqliteTable(
  "accounts",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    /** The binding name of the account's job shard ("JOBS_0"), chosen at creation and never changed. */
    shard: text("shard").notNull(),
    createdAt: epochMs("created_at").notNull(),
    /** JSON of what each of its spaces may hold where it differs from SPACE_CAPS (tenancy/caps.ts); NULL: the defaults. */
    spaceCaps: text("space_caps"),
  },
  (t) => [index("accounts_by_shard").on(t.shard)],
);

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
    type: text("type", { enum: ["integration-flow", "decision-flow", "decision-table"] }).notNull(),
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
    /** After a new secret was asked for with a grace: the one before it, which also signs until `previousSecretUntil`. */
    previousSecretCiphertext: text("previous_secret_ciphertext"),
    previousSecretUntil: epochMs("previous_secret_until"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [index("webhooks_by_space").on(t.spaceId, t.id)],
);

/**
 * Connectors of a space (DESIGN.md §11): what a flow names by alias to reach a database or an API.
 * The config is plain JSON (never a credential); the secret object is stored AES-GCM encrypted
 * (worker/connectors/secrets.ts) and never leaves the Worker except to the node that uses it.
 */
export const connectors = sqliteTable(
  "connectors",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id),
    name: text("name").notNull(),
    alias: text("alias").notNull(),
    type: text("type", { enum: ["postgres", "http"] }).notNull(),
    /** JSON of the type's config: host, port, database, user, ssl — or auth, username, headerName, baseUrl. */
    config: text("config").notNull(),
    secretCiphertext: text("secret_ciphertext").notNull(),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  // Aliases are unique per space; the same index serves every lookup and list of a space.
  (t) => [uniqueIndex("connectors_alias_per_space").on(t.spaceId, t.alias)],
);

/**
 * Schedules of a space: a flow started by the cron pass at the times a 5-field cron pattern names,
 * in a time zone, with a fixed input. `nextRunAt` is the slot the pass fires next (NULL while the
 * schedule is disabled); each firing is a job triggered like any other, with an Idempotency-Key of
 * the schedule and the slot, so a slot fired twice (a pass that stopped before it moved the schedule
 * on) makes one job.
 */
export const schedules = sqliteTable(
  "schedules",
  {
    id: text("id").primaryKey(),
    spaceId: text("space_id")
      .notNull()
      .references(() => spaces.id),
    name: text("name").notNull(),
    /** The flow as it was named (id or alias) and the rule it resolved to when saved. */
    flow: text("flow").notNull(),
    ruleId: text("rule_id").notNull(),
    /** A version number, or NULL for the latest published version at each firing. */
    version: integer("version"),
    cron: text("cron").notNull(),
    timezone: text("timezone").notNull(),
    /** The job input, as JSON text. */
    input: text("input").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull(),
    nextRunAt: epochMs("next_run_at"),
    lastRunAt: epochMs("last_run_at"),
    lastJobId: text("last_job_id"),
    /** Why the last firing started no job (the trigger's problem), or NULL. */
    lastError: text("last_error"),
    createdAt: epochMs("created_at").notNull(),
    updatedAt: epochMs("updated_at").notNull(),
  },
  (t) => [index("schedules_by_space").on(t.spaceId, t.id), index("schedules_due").on(t.nextRunAt).where(sql`${t.nextRunAt} IS NOT NULL`)],
);
