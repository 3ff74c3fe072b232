// ULID identifiers (ulidx): 48-bit millisecond time + 80 random bits in Crockford base32. They sort
// by creation time, so "newest first", "oldest waiting first" and date ranges are primary-key scans.
import { encodeTime, monotonicFactory } from "ulidx";

/** The largest time a ULID can hold (2^48 - 1 ms, the year 10889). */
const MAX_TIME = 2 ** 48 - 1;

// One uniform base32 digit per call: 2^32 is a multiple of 32, so floor(x * 32) has no bias (ulidx's
// default divides a single byte by 255, which makes some digits rarer than others).
const randomFraction = () => crypto.getRandomValues(new Uint32Array(1))[0] / 2 ** 32;

// Monotonic: an id minted in the same millisecond as the previous one (or with an earlier `now`)
// keeps the previous time and increments its random part, so ids in one isolate sort in mint order.
const mint = monotonicFactory(randomFraction);

export function newId(now = Date.now()): string {
  return mint(now);
}

/** The smallest id that can be minted at `ms`: lets a time range filter use the primary key. */
export function idFloorForTime(ms: number): string {
  return encodeTime(Math.min(MAX_TIME, Math.max(0, Math.floor(ms))), 10) + "0".repeat(16);
}

/** A ULID as newId writes it: upper case, first digit 0–7 (48 bits of time). */
export function isId(value: string): boolean {
  return /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/.test(value);
}
