// Which rule and version a trigger starts, remembered per isolate, so a trigger is one statement on
// the account's shard instead of a directory read and then that statement. What keeps a remembered
// target from being stale is the space's rule epoch on that shard: every change to the space's rules
// bumps it before the change is answered (bumpRuleEpoch), and a trigger with a remembered target
// inserts its job only while the epoch is the one read before the target was (INSERT_JOB's guard).
// A publish is therefore seen by every trigger after it was answered, in any isolate. Should the bump
// itself fail (the change is answered 500), a remembered target lives at most a minute.
import type { JobShard } from "../db/databases";
import { bumpSpaceEpoch, spaceEpoch } from "../db/space-epochs";
import { Remembered } from "../lib/remembered";

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

/** At most a minute, should an epoch bump fail; at most 1,000 targets an isolate. */
const remembered = new Remembered<RememberedTarget>(60_000, 1000);

export function targetKey(spaceId: string, flow: string, version: number | undefined): string {
  return `${spaceId}\n${flow}\n${version ?? "latest"}`;
}

export function rememberedTarget(key: string, now: number): RememberedTarget | null {
  return remembered.get(key, now) ?? null;
}

export function rememberTarget(key: string, value: RememberedTarget, now: number): void {
  remembered.set(key, value, now);
}

export function forgetTarget(key: string): void {
  remembered.forget(key);
}

/** The space's rule epoch (0 before its rules ever changed). */
export function ruleEpoch(shard: JobShard, spaceId: string): Promise<number> {
  return spaceEpoch(shard, "rule_epochs", spaceId);
}

/** Says that the space's rules changed: triggers stop trusting what they remembered. */
export function bumpRuleEpoch(shard: JobShard, spaceId: string): Promise<void> {
  return bumpSpaceEpoch(shard, "rule_epochs", spaceId);
}
