// Applies the D1 migrations to each test file's isolated databases before its tests run: the
// directory's to the directory, the shard's to every job shard.
import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { shardDatabases } from "./helpers/db";

await applyD1Migrations(env.DIRECTORY, env.TEST_DIRECTORY_MIGRATIONS!);
for (const { db } of shardDatabases()) await applyD1Migrations(db, env.TEST_SHARD_MIGRATIONS!);
