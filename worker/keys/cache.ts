// A short-lived in-isolate memory of verified keys: a trigger is the hot path, and a key lookup is a
// D1 round trip. Entries live 10 s from the start of their lookup, so a revoked key stops working
// within 10 s on every isolate.
import { Remembered } from "../lib/remembered";
import type { Caller } from "./keys";

const verified = new Remembered<Caller>(10_000, 1000);

export function cachedCaller(presented: string, now = Date.now()): Caller | null {
  return verified.get(presented, now) ?? null;
}

/**
 * `verifiedAt` is when the D1 lookup started: an entry must not outlive a revocation that landed
 * during the lookup by more than the TTL.
 */
export function rememberCaller(presented: string, caller: Caller, verifiedAt = Date.now()): void {
  verified.set(presented, caller, verifiedAt);
}

/** Drops a revoked key at once in this isolate; other isolates drop it when their entry expires. */
export function forgetKey(keyId: string): void {
  verified.forgetWhere((caller) => caller.keyId === keyId);
}
