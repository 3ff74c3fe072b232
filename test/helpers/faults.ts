// Failures injected at the D1 boundary of a runner: a D1 binding that answers the first N matching
// calls with the error production's D1 gives when it is briefly unreachable, then the real database.
import { runInDurableObject } from "cloudflare:test";
import type { Env } from "../../worker/env";
import type { JobRunner } from "../../worker/jobs/runner";

export const PASSING_D1_ERROR = "D1_ERROR: Network connection lost.";

export interface D1Faults {
  /** Statements whose SQL matches fail this many times. */
  statements?: { match: RegExp; times: number };
  /** Batches (the runner's mirrors) fail this many times. */
  batches?: { times: number };
  /** How many failures were injected so far. */
  injected: number;
  /** How many batches (the runner's mirrors) were asked for, failed or not. */
  batchesSeen?: number;
}

export function faultyD1(db: D1Database, faults: D1Faults): D1Database {
  const fail = () => Promise.reject(new Error(PASSING_D1_ERROR));
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare") {
        return (query: string) => {
          const statement = target.prepare(query);
          const rule = faults.statements;
          if (!rule || rule.times <= 0 || !rule.match.test(query)) return statement;
          rule.times--;
          faults.injected++;
          const failing = {
            bind: () => failing,
            all: fail,
            raw: fail,
            first: fail,
            run: fail,
          };
          return failing;
        };
      }
      if (property === "batch") {
        return (statements: D1PreparedStatement[]) => {
          faults.batchesSeen = (faults.batchesSeen ?? 0) + 1;
          const rule = faults.batches;
          if (rule && rule.times > 0) {
            rule.times--;
            faults.injected++;
            return fail();
          }
          return target.batch(statements);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Gives the runner of `stub` job-shard bindings with `faults` (until it is evicted); it writes to one of them. */
export async function injectD1Faults(stub: DurableObjectStub<JobRunner>, faults: D1Faults) {
  await runInDurableObject(stub, (instance: JobRunner) => {
    const env = (instance as unknown as { env: Env }).env;
    const shards = env.JOB_SHARDS.split(",").map((name) => [name, { value: faultyD1(env[name as `JOBS_${string}`], faults) }]);
    (instance as unknown as { env: Env }).env = Object.create(env, Object.fromEntries(shards));
  });
}

/**
 * A D1 binding on which `between` runs once, just before the first statement whose SQL matches
 * `match` reaches the database (alone or in a batch): another writer landing between a check and
 * the write that relies on it, at the one moment a race would need.
 */
export function interleavedD1(db: D1Database, match: RegExp, between: () => Promise<unknown>): D1Database {
  let ran = false;
  const once = async () => {
    if (ran) return;
    ran = true;
    await between();
  };
  const unwrapped = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const wrapper = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values)),
      run: async () => (await once(), statement.run()),
      all: async () => (await once(), statement.all()),
      first: async (...column: [string?]) => (await once(), statement.first(...(column as [string]))),
      raw: async (...options: unknown[]) => (await once(), statement.raw(...(options as []))),
    };
    unwrapped.set(wrapper, statement);
    return wrapper as unknown as D1PreparedStatement;
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare") return (query: string) => (match.test(query) ? wrap(target.prepare(query)) : target.prepare(query));
      if (property === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          const real = statements.map((statement) => unwrapped.get(statement) ?? statement);
          if (real.some((statement, index) => statement !== statements[index])) await once();
          return target.batch(real);
        };
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** D1's largest query result, and its largest string or blob (a bound value, a row): its documented limits. */
export const D1_MAX_RESULT_BYTES = 50_000_000;
export const D1_MAX_VALUE_BYTES = 2_000_000;

/**
 * A stand-in for D1's 30 s per statement, which no test can show in time: a statement changing more
 * rows than this (its trigger's rows included, as D1's meta.changes counts them) is refused. The
 * product's bulk writes (a cancel-all) are chunked well below it; one statement over 10,000 jobs is not.
 */
export const D1_MAX_CHANGES_IN_TESTS = 20_000;

/**
 * A D1 binding that enforces limits the local runtime does not, as deployed D1 would refuse: a
 * bound string over D1_MAX_VALUE_BYTES (UTF-8), a statement whose rows (as JSON, UTF-8) are over
 * D1_MAX_RESULT_BYTES, and (with `maxChanges`, see D1_MAX_CHANGES_IN_TESTS) a statement changing
 * more rows than that — alone or in a batch. A refused batch statement has still run (the local
 * batch cannot be stopped halfway): the error is what the caller sees.
 */
export function limitedD1(db: D1Database, options: { maxChanges?: number } = {}): D1Database {
  const bytes = (text: string) => new TextEncoder().encode(text).byteLength;
  const checked = <T>(result: T): T => {
    const size = bytes(JSON.stringify(result));
    if (size > D1_MAX_RESULT_BYTES) throw new Error(`D1_ERROR: the result is ${size} bytes, over D1's ${D1_MAX_RESULT_BYTES}-byte limit`);
    const changes = (result as { meta?: { changes?: number } } | null)?.meta?.changes ?? 0;
    if (options.maxChanges !== undefined && changes > options.maxChanges) {
      throw new Error(`D1_ERROR: a statement changed ${changes} rows, over the ${options.maxChanges} that stand for D1's 30 s per statement`);
    }
    return result;
  };
  const unwrapped = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const wrapper = {
      bind: (...values: unknown[]) => {
        for (const value of values) {
          if (typeof value === "string" && bytes(value) > D1_MAX_VALUE_BYTES) {
            throw new Error(`D1_ERROR: string or blob too big: SQLITE_TOOBIG (a bound value of ${bytes(value)} bytes, over ${D1_MAX_VALUE_BYTES})`);
          }
        }
        return wrap(statement.bind(...values));
      },
      run: async () => checked(await statement.run()),
      all: async () => checked(await statement.all()),
      first: async (...column: [string?]) => checked(await statement.first(...(column as [string]))),
      raw: async (...options: unknown[]) => checked(await statement.raw(...(options as []))),
    };
    unwrapped.set(wrapper, statement);
    return wrapper as unknown as D1PreparedStatement;
  };
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare") return (query: string) => wrap(target.prepare(query));
      if (property === "batch") {
        return async (statements: D1PreparedStatement[]) =>
          (await target.batch(statements.map((statement) => unwrapped.get(statement) ?? statement))).map(checked);
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}
