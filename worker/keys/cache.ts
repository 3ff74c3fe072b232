// A short-lived in-isolate cache of verified keys: a trigger is the hot path, and a key lookup is a
// D1 round trip. Entries live 10 s, so a revoked key stops working within 10 s on every isolate.
import type { Caller } from "./keys";

const TTL_MS = 10_000;
const MAX_ENTRIES = 1000;
const verified = new Map<string, { caller: Caller; until: number }>();

export function cachedCaller(presented: string, now = Date.now()): Caller | null {
  const entry = verified.get(presented);
  if (!entry) return null;
  if (entry.until < now) {
    verified.delete(presented);
    return null;
  }
  return entry.caller;
}

export function rememberCaller(presented: string, caller: Caller, now = Date.now()): void {
  if (verified.size >= MAX_ENTRIES) verified.clear();
  verified.set(presented, { caller, until: now + TTL_MS });
}
