// The tests' direct access to the databases, for asserting what they hold: the directory, and the
// job shards (each test's account is on one of them; JOB_SHARDS lists two in every environment).
import { env } from "cloudflare:workers";

export function directoryDb(): D1Database {
  return env.DIRECTORY;
}

export function shardDatabases(): { name: string; db: D1Database }[] {
  return env.JOB_SHARDS.split(",").map((name) => ({ name, db: env[name as `JOBS_${string}`] }));
}

/** The name of the shard the account was placed on. */
export async function shardNameOf(accountId: string): Promise<string> {
  const row = await env.DIRECTORY.prepare("SELECT shard FROM accounts WHERE id = ?").bind(accountId).first<{ shard: string }>();
  if (!row) throw new Error(`no account ${accountId} in the directory`);
  return row.shard;
}

/** The shard database of an account. */
export async function shardOf(accountId: string): Promise<D1Database> {
  return env[(await shardNameOf(accountId)) as `JOBS_${string}`];
}

/** The shard database holding a job's row (each job is on exactly one). */
export async function shardOfJob(jobId: string): Promise<D1Database> {
  const holding: D1Database[] = [];
  for (const { db } of shardDatabases()) {
    if (await db.prepare("SELECT 1 FROM jobs WHERE id = ?").bind(jobId).first()) holding.push(db);
  }
  if (holding.length !== 1) throw new Error(`job ${jobId} is on ${holding.length} shards`);
  return holding[0];
}
