// API keys: `fjk_<keyId>_<secret>` with a 256-bit secret. Only the SHA-256 of the secret is
// stored; the key id finds the row, and the hashes are compared in constant time.
import { and, eq, isNull } from "drizzle-orm";
import type { Database } from "../db/client";
import { apiKeys, spaces } from "../db/schema";
import { constantTimeEqual, randomToken, sha256Hex } from "../lib/crypto";
import { isId, newId } from "../lib/ids";

export type KeyKind = "solver" | "management";

export interface Caller {
  keyId: string;
  keyName: string;
  kind: KeyKind;
  spaceId: string;
  accountId: string;
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
  await db.insert(apiKeys).values(row);
  return { id, key: `fjk_${id}_${secret}`, kind, name, spaceId, accountId: space.accountId, createdAt: row.createdAt };
}

export async function verifyKey(db: Database, presented: string): Promise<Caller | null> {
  const match = /^fjk_([0-9A-Z]{26})_([A-Za-z0-9_-]{43})$/.exec(presented);
  if (!match || !isId(match[1])) return null;
  const [, keyId, secret] = match;
  const row = await db.query.apiKeys.findFirst({
    where: and(eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)),
  });
  if (!row) return null;
  if (!constantTimeEqual(await sha256Hex(secret), row.secretHash)) return null;
  return { keyId: row.id, keyName: row.name, kind: row.kind, spaceId: row.spaceId, accountId: row.accountId };
}
