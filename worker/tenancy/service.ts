// Accounts and spaces: the tenants. An account holds the billing settings and the parallel limit;
// its spaces hold rules, keys and jobs.
import { eq } from "drizzle-orm";
import { database, type Database } from "../db/client";
import { accounts, spaces } from "../db/schema";
import type { Env } from "../env";
import { cancelJobsOfDisabledAccount } from "../jobs/service";
import { NotFound } from "../errors";
import { newId } from "../lib/ids";

export type AccountRow = typeof accounts.$inferSelect;

export interface AccountSettings {
  freeSeconds?: number;
  payAsYouGo?: boolean;
  parallelLimit?: number;
  pricePerSecond?: number;
}

export function accountView(row: AccountRow) {
  return {
    id: row.id,
    name: row.name,
    freeSeconds: row.freeSeconds,
    payAsYouGo: row.payAsYouGo,
    parallelLimit: row.parallelLimit,
    pricePerSecond: row.pricePerSecond,
    disabled: row.disabled,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

export async function createAccount(db: Database, input: { name: string } & AccountSettings) {
  const [row] = await db
    .insert(accounts)
    .values({ id: newId(), createdAt: Date.now(), ...input })
    .returning();
  return accountView(row);
}

export async function updateAccount(db: Database, accountId: string, input: { name?: string; disabled?: boolean } & AccountSettings) {
  const changes = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined));
  // An empty PATCH changes nothing and answers with the account as it is.
  if (Object.keys(changes).length === 0) return accountView(await findAccount(db, accountId));
  const [row] = await db.update(accounts).set(changes).where(eq(accounts.id, accountId)).returning();
  if (!row) throw new NotFound("account", accountId);
  return accountView(row);
}

/**
 * The admin PATCH. Disabling stops the account's jobs once the flag is stored: from then on the
 * trigger INSERT refuses the account, so the WAITING jobs canceled are all there are. A repeated
 * disable runs the cancel again, harmlessly (and completes one cut short). Re-enabling only lets
 * triggers in again; canceled jobs stay canceled.
 */
export async function patchAccount(env: Env, accountId: string, input: { name?: string; disabled?: boolean } & AccountSettings) {
  const account = await updateAccount(database(env.DB), accountId, input);
  if (input.disabled) await cancelJobsOfDisabledAccount(env, accountId);
  return account;
}

export async function findAccount(db: Database, accountId: string) {
  const row = await db.query.accounts.findFirst({ where: eq(accounts.id, accountId) });
  if (!row) throw new NotFound("account", accountId);
  return row;
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
