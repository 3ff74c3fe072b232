// The runner's state store (worker/jobs/piece-store.ts) against the Durable Object's real SQLite:
// it round-trips any checkpoint, never stores a value over the enforced limit, and a save writes
// only what changed since the last one.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Checkpoint } from "../../worker/flow/checkpoint";
import { PART_CHARS, PIECE_TABLES, PieceStore, textParts } from "../../worker/jobs/piece-store";
import type { JobRunner } from "../../worker/jobs/runner";
import { checkStoredSize, StorageLimitExceeded, STORAGE_VALUE_LIMIT_BYTES, storedStringBytes } from "../../worker/jobs/storage-limits";

function checkpointWith(context: Record<string, unknown>, vars: Record<string, unknown> = {}): Checkpoint {
  return {
    version: 1,
    context: { input: null, vars, ...context },
    frames: [{ loopNode: null, loop: null, remaining: {}, taken: {}, states: {}, ready: ["a"], finishedLoops: {} }],
    sleep: null,
    steps: 0,
    final: null,
  };
}

/** A store over a fresh runner's SQLite that counts the bytes each save writes. */
async function withStore<T>(work: (store: PieceStore, written: () => number, reopen: () => PieceStore) => T): Promise<T> {
  const stub = env.JOB_RUNNER.get(env.JOB_RUNNER.newUniqueId());
  return runInDurableObject(stub, (_instance: JobRunner, state) => {
    // A runner creates its tables with its first write (runner-storage.ts); this store is used alone.
    for (const table of PIECE_TABLES) state.storage.sql.exec(table);
    let bytes = 0;
    const sql = {
      read: (query: string, ...bindings: SqlStorageValue[]) => state.storage.sql.exec(query, ...bindings).toArray() as never,
      write: (what: string, query: string, ...bindings: SqlStorageValue[]) => {
        checkStoredSize(bindings, STORAGE_VALUE_LIMIT_BYTES, what);
        for (const value of bindings) if (typeof value === "string") bytes += storedStringBytes(value);
        state.storage.sql.exec(query, ...bindings);
      },
    };
    const taken = () => {
      const value = bytes;
      bytes = 0;
      return value;
    };
    return work(new PieceStore(sql), taken, () => new PieceStore(sql));
  });
}

describe("the runner's piece store", () => {
  it("refuses, as production does, a value over 2 MB counting a non-Latin-1 string as UTF-16", () => {
    const ascii = "a".repeat(1_100_000);
    expect(() => checkStoredSize([ascii], STORAGE_VALUE_LIMIT_BYTES, "a value")).not.toThrow();
    expect(() => checkStoredSize([ascii + "€"], STORAGE_VALUE_LIMIT_BYTES, "a value")).toThrow(StorageLimitExceeded);
    expect(() => checkStoredSize([ascii + "€"], STORAGE_VALUE_LIMIT_BYTES, "a value")).toThrow(/SQLITE_TOOBIG.*2\.2 MB, over the 2\.0 MB limit/);
  });

  it("round-trips a checkpoint with a 5 MB non-Latin-1 node output and long arrays", async () => {
    const big = "€".repeat(2_500_000);
    const results = Array.from({ length: 1000 }, (_, index) => ({ index, text: `r${index}` }));
    const checkpoint = checkpointWith({ input: { big }, each: { results, index: 999 } }, { total: 42, list: results });
    const loaded = await withStore((store, _written, reopen) => {
      store.saveCheckpoint(checkpoint);
      return reopen().loadCheckpoint();
    });
    expect(loaded).toEqual(checkpoint);
  });

  it("keeps the per-node run counts in the core, and loads a core written before they existed with none", async () => {
    const counted = { ...checkpointWith({ input: null }), runs: { start: 1, body: 12_000 } };
    const [loaded, old] = await withStore((store, _written, reopen) => {
      store.saveCheckpoint(counted);
      const withCounts = reopen().loadCheckpoint();
      store.saveCheckpoint(checkpointWith({ input: null }));
      return [withCounts, reopen().loadCheckpoint()];
    });
    expect(loaded).toEqual(counted);
    expect(old).not.toHaveProperty("runs");
  });

  it("writes only what changed: an unchanged input is not rewritten, a grown array only its new elements", async () => {
    const input = { big: "x".repeat(1_000_000) };
    const results: unknown[] = Array.from({ length: 10_000 }, (_, index) => ({ index }));
    const written = await withStore((store, taken) => {
      const checkpoint = checkpointWith({ input, each: { results } }, { i: 0 });
      store.saveCheckpoint(checkpoint);
      const first = taken();
      // One iteration later: a new output object around the same, longer results array, a new variable value.
      results.push({ index: 10_000 });
      checkpoint.context.each = { results };
      checkpoint.context.vars.i = 1;
      store.saveCheckpoint(checkpoint);
      const second = taken();
      store.saveCheckpoint(checkpoint);
      return { first, second, third: taken() };
    });
    expect(written.first).toBeGreaterThan(1_100_000);
    // The core and the changed pieces, plus the last group of results: a few kilobytes, not the megabyte of input.
    expect(written.second).toBeLessThan(20_000);
    expect(written.third).toBeLessThan(2_000);
  });

  it("loads what a save left after arrays were replaced and variables removed", async () => {
    const loaded = await withStore((store, _taken, reopen) => {
      const long = Array.from({ length: 500 }, (_, index) => index);
      const checkpoint = checkpointWith({ input: { long } }, { a: long, b: 1 });
      store.saveCheckpoint(checkpoint);
      checkpoint.context.vars = { a: long.slice(0, 100) };
      store.saveCheckpoint(checkpoint);
      return { value: reopen().loadCheckpoint(), expected: checkpoint };
    });
    expect(loaded.value).toEqual(loaded.expected);
  });
});

describe("text parts", () => {
  it("never cuts a surrogate pair, which storage would turn into U+FFFD", () => {
    const text = "a".repeat(PART_CHARS - 1) + "😀" + "b".repeat(10);
    const parts = [...textParts(text)];
    expect(parts.map((part) => part.length)).toEqual([PART_CHARS - 1, 12]);
    expect(parts.join("")).toBe(text);
    expect(parts.every((part) => !/[\uD800-\uDBFF]$/.test(part))).toBe(true);
    expect([...textParts("")]).toEqual([""]);
    expect([...textParts("x".repeat(PART_CHARS * 2))].map((part) => part.length)).toEqual([PART_CHARS, PART_CHARS]);
  });
});
