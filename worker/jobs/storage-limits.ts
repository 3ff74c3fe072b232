// Production's per-value limit of Durable Object storage, enforced by the runner itself: local
// workerd stores far larger values, so without this a state that fails deployed passes every test.
// DESIGN.md §12: a key + value (a SQLite string, BLOB or row) is at most 2 MB, and a string with any
// character outside Latin-1 is stored as UTF-16, two bytes a character.

/** The documented limit. */
export const STORAGE_VALUE_LIMIT_BYTES = 2_000_000;

/** What production throws; the message starts the same way, so logs and tests read alike. */
export class StorageLimitExceeded extends Error {
  constructor(
    readonly bytes: number,
    readonly limit: number,
    what: string,
  ) {
    super(`string or blob too big: SQLITE_TOOBIG (${what} is ${formatBytes(bytes)}, over the ${formatBytes(limit)} limit)`);
    this.name = "StorageLimitExceeded";
  }
}

/** The bytes a string takes in storage: one a character when all are Latin-1, else two (UTF-16). */
export function storedStringBytes(text: string): number {
  // A regular expression scan is the fastest test for "any character above U+00FF" in V8.
  return /[^\u0000-\u00ff]/.test(text) ? text.length * 2 : text.length;
}

export function storedValueBytes(value: unknown): number {
  if (typeof value === "string") return storedStringBytes(value);
  if (value instanceof ArrayBuffer) return value.byteLength;
  if (ArrayBuffer.isView(value)) return value.byteLength;
  if (typeof value === "number" || typeof value === "bigint") return 8;
  if (value === null || value === undefined || typeof value === "boolean") return 1;
  // KV values are structured-cloned; their JSON text is a close, slightly generous measure.
  return storedStringBytes(JSON.stringify(value) ?? "");
}

/** Throws like production when a row (or key + value) would exceed `limit`. */
export function checkStoredSize(values: readonly unknown[], limit: number, what: string): void {
  let bytes = 0;
  for (const value of values) bytes += storedValueBytes(value);
  if (bytes > limit) throw new StorageLimitExceeded(bytes, limit, what);
}

export function formatBytes(bytes: number): string {
  if (bytes >= 1_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  if (bytes >= 1000) return `${(bytes / 1000).toFixed(1)} KB`;
  return `${bytes} bytes`;
}
