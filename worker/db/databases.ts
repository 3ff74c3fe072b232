// The one way to reach each database. The directory holds tenants and their configuration; each job
// shard holds the jobs, usage and deliveries of the accounts placed on it (README, "Databases").
// Raw bindings are read only here: the rest of the Worker holds a `Directory` or a `JobShard`, and
// the two types do not mix, so a job query without its shard does not compile.
import { drizzle } from "drizzle-orm/d1";
import type { Env } from "../env";
import * as directorySchema from "./directory-schema";

/** Statements on one D1 database, the way D1 takes them (prepare, batch). */
abstract class D1Handle {
  constructor(protected readonly d1: D1Database) {}

  prepare(query: string): D1PreparedStatement {
    return this.d1.prepare(query);
  }

  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return this.d1.batch<T>(statements);
  }
}

/** The directory database: accounts (and their shard), spaces, keys, rules, webhook endpoints. */
export class Directory extends D1Handle {
  private readonly database = "directory" as const;

  /** The typed query builder over the directory's tables. */
  orm() {
    return drizzle(this.d1, { schema: directorySchema });
  }
}

export type DirectoryOrm = ReturnType<Directory["orm"]>;
/** The directory's query builder, as the drizzle-speaking modules (rules, keys, tenancy) take it. */
export type Database = DirectoryOrm;

/** One job shard: jobs, outputs, timelines, ledger and counters, account limits, webhook deliveries. */
export class JobShard extends D1Handle {
  private readonly database = "job-shard" as const;

  constructor(
    /** The shard's binding name (JOBS_0, JOBS_1, …): what an account's `shard` column stores. */
    readonly name: string,
    d1: D1Database,
  ) {
    super(d1);
  }
}

export function directory(env: Env): Directory {
  return new Directory(env.DIRECTORY);
}

/** The configured shards' binding names, in order (JOB_SHARDS in wrangler.toml). */
export function shardNames(env: Env): string[] {
  const names = (env.JOB_SHARDS ?? "").split(",").map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) throw new Error("JOB_SHARDS lists no job shard; bind at least one JOBS_<n> D1 database");
  return names;
}

/** The shard an account's `shard` column names; an unbound name is a configuration error, never a silent fallback. */
export function jobShard(env: Env, name: string): JobShard {
  const d1 = (env as unknown as Record<string, D1Database | undefined>)[name];
  if (!/^JOBS_\w+$/.test(name) || !d1 || !shardNames(env).includes(name)) {
    throw new Error(`job shard '${name}' is not bound in this deployment (JOB_SHARDS is '${env.JOB_SHARDS ?? ""}')`);
  }
  return new JobShard(name, d1);
}

export function allShards(env: Env): JobShard[] {
  return shardNames(env).map((name) => jobShard(env, name));
}

/** The shard of an account, from the directory (callers carry it: see Caller.shard). */
export async function shardOfAccount(env: Env, accountId: string): Promise<JobShard | null> {
  const row = await directory(env).prepare("SELECT shard FROM accounts WHERE id = ?").bind(accountId).first<{ shard: string }>();
  return row ? jobShard(env, row.shard) : null;
}

/**
 * Where a new account goes: the configured shard with the fewest accounts (ties to the first), so
 * a shard added to JOB_SHARDS takes the new accounts until it has caught up, and nobody moves.
 */
export async function emptiestShard(env: Env): Promise<string> {
  const names = shardNames(env);
  const rows = await directory(env)
    .prepare("SELECT shard, count(*) AS accounts FROM accounts GROUP BY shard")
    .all<{ shard: string; accounts: number }>();
  const placed = new Map(rows.results.map((row) => [row.shard, row.accounts]));
  return names.reduce((best, name) => ((placed.get(name) ?? 0) < (placed.get(best) ?? 0) ? name : best), names[0]);
}

/** A Hyperdrive binding's name: the PG_ prefix keeps a connector from naming any other binding. */
export const HYPERDRIVE_BINDING_NAME = /^PG_[A-Z0-9_]{1,60}$/;

/**
 * The Hyperdrive binding `name` of this deployment (wrangler.toml `[[hyperdrive]]`), or null when
 * there is none by that name. Who may use it is the caller's business (connectors/hyperdrive.ts).
 */
export function hyperdriveBinding(env: Env, name: string): Hyperdrive | null {
  if (!HYPERDRIVE_BINDING_NAME.test(name)) return null;
  const binding = (env as unknown as Record<string, unknown>)[name];
  return binding && typeof binding === "object" && typeof (binding as Hyperdrive).connectionString === "string" ? (binding as Hyperdrive) : null;
}
