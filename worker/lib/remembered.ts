// What an isolate remembers of the databases to skip a read: each value for less than `ttlMs` from
// the time it was set with, at most `limit` of them (the oldest set goes first). Staleness within the TTL is the caller's to guard
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
    if (now - entry.at >= this.ttlMs) {
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

  /** Forgets every value `matches` says so of. */
  forgetWhere(matches: (value: V) => boolean): void {
    for (const [key, entry] of this.entries) if (matches(entry.value)) this.entries.delete(key);
  }
}

/**
 * A value read from a database, used only while a per-space epoch the caller reads each time is the
 * one read before the value was (solve rules, webhook endpoints of deliveries). `epoch` must be read
 * before `get` is called: `read` runs after it, so a change between the two moves the epoch on and
 * the value is not used again. Should an epoch bump fail, a value lives at most `ttlMs`.
 */
export class EpochMemory<V> {
  private readonly memory: Remembered<{ value: V; epoch: number }>;

  constructor(ttlMs = 60_000, limit = 1000) {
    this.memory = new Remembered(ttlMs, limit);
  }

  async get(key: string, epoch: number, read: () => Promise<V>): Promise<V> {
    const known = this.memory.get(key, Date.now());
    if (known && known.epoch === epoch) return known.value;
    const value = await read();
    this.memory.set(key, { value, epoch }, Date.now());
    return value;
  }

  /** What is remembered under `key`, whatever the epoch now (the caller checks it before relying on it). */
  peek(key: string): { value: V; epoch: number } | null {
    return this.memory.get(key, Date.now()) ?? null;
  }

  forget(key: string): void {
    this.memory.forget(key);
  }
}
