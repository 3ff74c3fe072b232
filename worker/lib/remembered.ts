// What an isolate remembers of the databases to skip a read: each value for at most `ttlMs`, at most
// `limit` of them (the oldest set goes first). Staleness within the TTL is the caller's to guard
// (start-targets.ts and space-webhooks.ts check an epoch on the shard in the statement that relies on it).
export class Remembered<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly limit: number,
  ) {}

  get(key: string, now: number): V | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (now - entry.at > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: V, now: number): void {
    this.entries.delete(key);
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, at: now });
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
