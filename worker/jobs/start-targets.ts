// Which rule and version a trigger starts, remembered per isolate, so a trigger is one statement on
// the account's shard instead of a directory read and then that statement. What keeps a remembered
// target from being stale is the space's rule epoch on that shard: every change to the space's rules
// bumps it before the change is answered (bumpRuleEpoch), and a trigger with a remembered target
// inserts its job only while the epoch is the one read before the target was (INSERT_JOB's guard).
// A publish is therefore seen by every trigger after it was answered, in any isolate. Should the bump
// itself fail (the change is answered 500), a remembered target lives at most TARGET_TTL_MS.
import type { JobShard } from "../db/databases";

export interface StartTarget {
  rule_id: string;
  rule_type: string;
  rule_alias: string | null;
  version: number | null;
  status: string | null;
}

export interface RememberedTarget {
  target: StartTarget;
  /** The space's rule epoch read before the target was. */
  epoch: number;
}

const TARGET_TTL_MS = 60_000;
const TARGET_LIMIT = 1000;
const remembered = new Map<string, RememberedTarget & { at: number }>();

export function targetKey(spaceId: string, flow: string, version: number | undefined): string {
  return `${spaceId}\n${flow}\n${version ?? "latest"}`;
}

export function rememberedTarget(key: string, now: number): RememberedTarget | null {
  const entry = remembered.get(key);
  if (!entry) return null;
  if (now - entry.at > TARGET_TTL_MS) {
    remembered.delete(key);
    return null;
  }
  return entry;
}

export function rememberTarget(key: string, value: RememberedTarget, now: number): void {
  remembered.delete(key);
  if (remembered.size >= TARGET_LIMIT) remembered.delete(remembered.keys().next().value!);
  remembered.set(key, { ...value, at: now });
}

export function forgetTarget(key: string): void {
  remembered.delete(key);
}

/** The space's rule epoch (0 before its rules ever changed). */
export async function ruleEpoch(shard: JobShard, spaceId: string): Promise<number> {
  const row = await shard.prepare("SELECT epoch FROM rule_epochs WHERE space_id = ?").bind(spaceId).first<{ epoch: number }>();
  return row?.epoch ?? 0;
}

/** Says that the space's rules changed: triggers stop trusting what they remembered. */
export async function bumpRuleEpoch(shard: JobShard, spaceId: string): Promise<void> {
  await shard
    .prepare("INSERT INTO rule_epochs (space_id, epoch) VALUES (?, 1) ON CONFLICT (space_id) DO UPDATE SET epoch = epoch + 1")
    .bind(spaceId)
    .run();
}
