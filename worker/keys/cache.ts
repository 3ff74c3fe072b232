// A short-lived in-isolate cache of verified keys: a trigger is the hot path, and a key lookup is a
// D1 round trip. Entries live 10 s, so a revoked key stops working within 10 s on every isolate.
import type { Caller } from "./keys";

const KEY_CACHE_TTL_MS = 10_000;
const MAX_ENTRIES = 1000;
const verified = new Map<string, { caller: Caller; until: number }>();

export function cachedCaller(presented: string, now = Date.now()): Caller | null {
  const entry = verified.get(presented);
  if (!entry) return null;
  if (entry.until <= now) {
    verified.delete(presented);
    return null;
  }
  return entry.caller;
}

/**
 * `verifiedAt` is when the D1 lookup started: an entry must not outlive a revocation that landed
 * during the lookup by more than the TTL.
 */
export function rememberCaller(presented: string, caller: Caller, verifiedAt = Date.now()): void {
  if (verified.size >= MAX_ENTRIES) verified.clear();
  verified.set(presented, { caller, until: verifiedAt + KEY_CACHE_TTL_MS });
}

/** Drops a revoked key at once in this isolate; other isolates drop it when their entry expires. */
export function forgetKey(keyId: string): void {
  for (const [presented, entry] of verified) if (entry.caller.keyId === keyId) verified.delete(presented);
}
