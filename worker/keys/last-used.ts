// When each key was last used, kept in D1 about once a minute per key: a request must never pay
// for a D1 write (triggers are the hot path), so uses are counted in memory and written rarely.
import { and, eq, isNull, lt, or } from "drizzle-orm";
import type { Database } from "../db/databases";
import { apiKeys } from "../db/directory-schema";

const LAST_USED_RESOLUTION_MS = 60_000;
const MAX_ENTRIES = 1000;
/** Per key id, the newest use this isolate knows D1 holds: read with the key, or written here. */
const storedUse = new Map<string, number>();

/** Learns the stored value from a key lookup, so isolates skip writes another one just made. */
export function noteStoredUse(keyId: string, lastUsedAt: number | null): void {
  if (lastUsedAt === null) return;
  if (lastUsedAt > (storedUse.get(keyId) ?? -Infinity)) rememberUse(keyId, lastUsedAt);
}

/** Whether a use at `now` should be written: true at most once a minute per key and isolate. */
export function claimUseWrite(keyId: string, now: number): boolean {
  const known = storedUse.get(keyId);
  if (known !== undefined && now - known < LAST_USED_RESOLUTION_MS) return false;
  rememberUse(keyId, now);
  return true;
}

export async function writeUse(db: Database, keyId: string, now: number): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(and(eq(apiKeys.id, keyId), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, now))));
}

function rememberUse(keyId: string, at: number): void {
  if (storedUse.size >= MAX_ENTRIES && !storedUse.has(keyId)) storedUse.clear();
  storedUse.set(keyId, at);
}
