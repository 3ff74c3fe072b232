// API keys: `fjk_<keyId>_<secret>` with a 256-bit secret. Only the SHA-256 of the secret is
// stored; the key id finds the row, and the hashes are compared in constant time. A space's keys
// are listed, created and deleted here (DESIGN.md §4.3); every query is scoped by space.
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/databases";
import { accounts, apiKeys, spaces } from "../db/directory-schema";
import { NotFound } from "../errors";
import { constantTimeEqual, randomToken, sha256Hex } from "../lib/crypto";
import { isId, newId } from "../lib/ids";
import { insertWithRoom } from "../tenancy/caps";
import { forgetKey } from "./cache";

export type KeyKind = "solver" | "management";

export interface Caller {
  keyId: string;
  keyName: string;
  kind: KeyKind;
  spaceId: string;
  accountId: string;
  /** The job shard of the account: where every job query of this caller runs. */
  shard: string;
}

export async function createKey(db: Database, spaceId: string, kind: KeyKind, name: string) {
  const space = await db.query.spaces.findFirst({ where: eq(spaces.id, spaceId) });
  if (!space) return null;
  const id = newId();
  const secret = randomToken(32);
  const row = {
    id,
    spaceId,
    accountId: space.accountId,
    kind,
    name,
    secretHash: await sha256Hex(secret),
    createdAt: Date.now(),
  };
  await insertWithRoom(db.$client, apiKeys, row, "keys");
  return { id, key: `fjk_${id}_${secret}`, kind, name, spaceId, accountId: space.accountId, createdAt: row.createdAt };
}

export interface VerifiedKey {
  caller: Caller;
  lastUsedAt: number | null;
}

export async function verifyKey(db: Database, presented: string): Promise<VerifiedKey | null> {
  const match = /^fjk_([0-9A-Z]{26})_([A-Za-z0-9_-]{43})$/.exec(presented);
  if (!match || !isId(match[1])) return null;
  const [, keyId, secret] = match;
  const [found] = await db
    .select({ key: apiKeys, shard: accounts.shard })
    .from(apiKeys)
    .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .where(and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)));
  if (!found) return null;
  const row = found.key;
  if (!constantTimeEqual(await sha256Hex(secret), row.secretHash)) return null;
  return {
    caller: { keyId: row.id, keyName: row.name, kind: row.kind, spaceId: row.spaceId, accountId: row.accountId, shard: found.shard },
    lastUsedAt: row.lastUsedAt,
  };
}

function keyView(row: { id: string; name: string; kind: KeyKind; createdAt: number; lastUsedAt: number | null }) {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    createdAt: new Date(row.createdAt).toISOString(),
    lastUsedAt: row.lastUsedAt === null ? null : new Date(row.lastUsedAt).toISOString(),
  };
}

/** The space's keys that still work, oldest first; never a secret or its hash. */
export async function listKeys(db: Database, spaceId: string) {
  const rows = await db
    .select({ id: apiKeys.id, name: apiKeys.name, kind: apiKeys.kind, createdAt: apiKeys.createdAt, lastUsedAt: apiKeys.lastUsedAt })
    .from(apiKeys)
    .where(and(eq(apiKeys.spaceId, spaceId), isNull(apiKeys.revokedAt)))
    .orderBy(asc(apiKeys.id));
  return rows.map(keyView);
}

/** A new key of the space; `key` is in this answer only. */
export async function createSpaceKey(db: Database, spaceId: string, kind: KeyKind, name: string) {
  const created = await createKey(db, spaceId, kind, name);
  if (!created) throw new NotFound("space", spaceId);
  return { ...keyView({ ...created, lastUsedAt: null }), key: created.key };
}

/**
 * Revokes a key of the space, including the very key making the request (the console warns
 * first). The row stays, marked revoked, because jobs name the key that started them
 * (`context.usedApiKeyId`). This isolate forgets the key at once; others within the cache's TTL.
 */
export async function deleteKey(db: Database, spaceId: string, keyId: string): Promise<void> {
  if (!isId(keyId)) throw new NotFound("key", keyId);
  const revoked = await db
    .update(apiKeys)
    .set({ revokedAt: Date.now() })
    .where(and(eq(apiKeys.id, keyId), eq(apiKeys.spaceId, spaceId), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  if (revoked.length === 0) throw new NotFound("key", keyId);
  forgetKey(keyId);
}
