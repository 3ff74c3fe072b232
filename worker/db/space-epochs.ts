// Per-space numbers on a job shard that every change to what isolates remember bumps before the
// change is answered: `rule_epochs` (start targets) and `webhook_epochs` (webhook endpoints).
import type { JobShard } from "./databases";

export type EpochTable = "rule_epochs" | "webhook_epochs";

/** The space's epoch in `table` (0 before the first change). */
export async function spaceEpoch(shard: JobShard, table: EpochTable, spaceId: string): Promise<number> {
  const row = await shard.prepare(`SELECT epoch FROM ${table} WHERE space_id = ?`).bind(spaceId).first<{ epoch: number }>();
  return row?.epoch ?? 0;
}

export async function bumpSpaceEpoch(shard: JobShard, table: EpochTable, spaceId: string): Promise<void> {
  await shard
    .prepare(`INSERT INTO ${table} (space_id, epoch) VALUES (?, 1) ON CONFLICT (space_id) DO UPDATE SET epoch = epoch + 1`)
    .bind(spaceId)
    .run();
}
