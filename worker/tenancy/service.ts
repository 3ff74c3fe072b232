// Accounts and spaces: the tenants. An account's identity and its shard are in the directory; its
// billing settings and parallel limit are in its job shard (account_limits), next to the counters and
// jobs they gate. Its spaces hold rules, keys and jobs.
import { eq } from "drizzle-orm";
import { directory, emptiestShard, jobShard, type Database, type JobShard } from "../db/databases";
import { accounts, spaces } from "../db/directory-schema";
import type { Env } from "../env";
import { cancelJobsOfDisabledAccount } from "../jobs/service";
import { NotFound } from "../errors";
import { newId } from "../lib/ids";
import { effectiveCaps, type SpaceCaps } from "./caps";

export interface AccountSettings {
  freeSeconds?: number;
  payAsYouGo?: boolean;
  parallelLimit?: number;
  pricePerSecond?: number;
  /** Days its finished jobs are kept; null: the deployment's JOB_RETENTION_DAYS. */
  retentionDays?: number | null;
  /** What each of its spaces may hold where it differs from SPACE_CAPS; null: every default. */
  spaceCaps?: Partial<SpaceCaps> | null;
}

interface LimitsRow {
  free_seconds: number;
  pay_as_you_go: number;
  parallel_limit: number;
  price_per_second: number;
  disabled: number;
  retention_days: number | null;
}

type AccountRow = typeof accounts.$inferSelect;

function accountView(account: AccountRow, limits: LimitsRow) {
  return {
    id: account.id,
    name: account.name,
    freeSeconds: limits.free_seconds,
    payAsYouGo: Boolean(limits.pay_as_you_go),
    parallelLimit: limits.parallel_limit,
    pricePerSecond: limits.price_per_second,
    disabled: Boolean(limits.disabled),
    retentionDays: limits.retention_days,
    spaceCaps: effectiveCaps(account.spaceCaps),
    createdAt: new Date(account.createdAt).toISOString(),
  };
}

export type AccountView = ReturnType<typeof accountView>;

async function loadLimits(shard: JobShard, accountId: string): Promise<LimitsRow> {
  const row = await shard
    .prepare("SELECT free_seconds, pay_as_you_go, parallel_limit, price_per_second, disabled, retention_days FROM account_limits WHERE account_id = ?")
    .bind(accountId)
    .first<LimitsRow>();
  if (!row) throw new Error(`account ${accountId} has no limits row on shard ${shard.name}`);
  return row;
}

/**
 * A new account, placed on the emptiest shard. Its limits row is written on the shard first and the
 * directory row second: an account is reachable only once the directory knows it, so a failure in
 * between leaves an unreferenced limits row, never an account without limits.
 */
export async function createAccount(env: Env, input: { name: string } & AccountSettings): Promise<AccountView> {
  const id = newId();
  const now = Date.now();
  const shard = jobShard(env, await emptiestShard(env));
  const { name, ...settings } = input;
  await shard
    .prepare(
      `INSERT INTO account_limits (account_id, free_seconds, pay_as_you_go, parallel_limit, price_per_second, disabled, retention_days, updated_at)
       VALUES (?1, coalesce(?2, 3600), coalesce(?3, 0), coalesce(?4, 10), coalesce(?5, 0.0001), 0, ?7, ?6)`,
    )
    .bind(
      id,
      settings.freeSeconds ?? null,
      settings.payAsYouGo === undefined ? null : Number(settings.payAsYouGo),
      settings.parallelLimit ?? null,
      settings.pricePerSecond ?? null,
      now,
      settings.retentionDays ?? null,
    )
    .run();
  const spaceCaps = settings.spaceCaps ? JSON.stringify(settings.spaceCaps) : null;
  const [row] = await directory(env).orm().insert(accounts).values({ id, name, shard: shard.name, createdAt: now, spaceCaps }).returning();
  return accountView(row, await loadLimits(shard, id));
}

export async function findAccount(db: Database, accountId: string): Promise<AccountRow> {
  const row = await db.query.accounts.findFirst({ where: eq(accounts.id, accountId) });
  if (!row) throw new NotFound("account", accountId);
  return row;
}

/** The account with its limits, as the admin API and the console show it. */
export async function getAccount(env: Env, accountId: string): Promise<AccountView> {
  const account = await findAccount(directory(env).orm(), accountId);
  return accountView(account, await loadLimits(jobShard(env, account.shard), accountId));
}

/** Switches pay-as-you-go for the account (PUT /api/billing): the gate and the next charge see it at once. */
export async function setPayAsYouGo(shard: JobShard, accountId: string, payAsYouGo: boolean): Promise<void> {
  await shard
    .prepare("UPDATE account_limits SET pay_as_you_go = ?, updated_at = ? WHERE account_id = ?")
    .bind(Number(payAsYouGo), Date.now(), accountId)
    .run();
}

/**
 * The admin PATCH. Disabling stops the account's jobs once the flag is stored: from then on the
 * trigger INSERT refuses the account and the claim starts none of its jobs, so the WAITING jobs
 * canceled are all there are. A repeated disable runs the cancel again, harmlessly (and completes one
 * cut short). Re-enabling only lets triggers in again; canceled jobs stay canceled.
 */
export async function patchAccount(env: Env, accountId: string, input: { name?: string; disabled?: boolean } & AccountSettings) {
  const db = directory(env).orm();
  const account = await findAccount(db, accountId);
  const shard = jobShard(env, account.shard);
  const { name, disabled, freeSeconds, payAsYouGo, parallelLimit, pricePerSecond, retentionDays, spaceCaps } = input;
  if (name !== undefined) await db.update(accounts).set({ name }).where(eq(accounts.id, accountId));
  if (spaceCaps !== undefined) {
    // Merged in SQLite (json_patch), so two PATCHes naming different caps both keep theirs.
    await db.$client
      .prepare("UPDATE accounts SET space_caps = CASE WHEN ?1 IS NULL THEN NULL ELSE json_patch(coalesce(space_caps, '{}'), ?1) END WHERE id = ?2")
      .bind(spaceCaps === null ? null : JSON.stringify(spaceCaps), accountId)
      .run();
  }
  // undefined leaves a setting as it is; null (retentionDays only) puts back the deployment's default.
  const limits: [string, number | null | undefined][] = [
    ["free_seconds", freeSeconds],
    ["pay_as_you_go", payAsYouGo === undefined ? undefined : Number(payAsYouGo)],
    ["parallel_limit", parallelLimit],
    ["price_per_second", pricePerSecond],
    ["disabled", disabled === undefined ? undefined : Number(disabled)],
    ["retention_days", retentionDays],
  ];
  const changed = limits.filter(([, value]) => value !== undefined);
  if (changed.length > 0) {
    await shard
      .prepare(`UPDATE account_limits SET ${changed.map(([column]) => `${column} = ?`).join(", ")}, updated_at = ? WHERE account_id = ?`)
      .bind(...changed.map(([, value]) => value), Date.now(), accountId)
      .run();
  }
  if (disabled) await cancelJobsOfDisabledAccount(env, shard, accountId);
  return getAccount(env, accountId);
}

export async function createSpace(db: Database, accountId: string, name: string) {
  await findAccount(db, accountId);
  const [row] = await db.insert(spaces).values({ id: newId(), accountId, name, createdAt: Date.now() }).returning();
  return { id: row.id, accountId: row.accountId, name: row.name, createdAt: new Date(row.createdAt).toISOString() };
}

export async function findSpace(db: Database, spaceId: string) {
  const row = await db.query.spaces.findFirst({ where: eq(spaces.id, spaceId) });
  if (!row) throw new NotFound("space", spaceId);
  return row;
}
