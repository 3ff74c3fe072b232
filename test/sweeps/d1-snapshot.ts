// A dump of every D1 table of every database (the directory and each job shard), to prove a refused
// request changed nothing.
import { env } from "cloudflare:workers";
import { shardDatabases } from "../helpers/db";

export async function snapshotD1(): Promise<Record<string, unknown[]>> {
  const dump: Record<string, unknown[]> = {};
  for (const { name, db } of [{ name: "DIRECTORY", db: env.DIRECTORY }, ...shardDatabases()]) {
    const tables = await db
      .prepare(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name <> 'd1_migrations' ORDER BY name",
      )
      .all<{ name: string }>();
    for (const table of tables.results) {
      dump[`${name}.${table.name}`] = (await db.prepare(`SELECT * FROM "${table.name}" ORDER BY rowid`).all()).results;
    }
  }
  return dump;
}
