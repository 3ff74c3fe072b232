// A space's enabled webhook endpoints, remembered per isolate, so a job's end matches them without
// reading the directory (one read per job end otherwise: the directory is the one database every
// account shares). What keeps them from being stale is the space's webhook epoch on its account's
// shard: every change to the space's endpoints bumps it after the directory is written and before the
// change is answered (bumpWebhookEpoch), and the final batch written with remembered endpoints starts
// with a guard row that aborts the whole batch unless the epoch is still the one read before them
// (migration 0007). A stale isolate therefore never writes a delivery for an endpoint that was
// disabled, or misses one created, after the change was answered: its batch is refused, it reads
// the endpoints again and writes the batch once more. Should the bump itself fail (the change is
// answered 500), remembered endpoints live at most a minute.
import type { Directory, JobShard } from "../db/databases";
import { bumpSpaceEpoch, spaceEpoch } from "../db/space-epochs";
import { Remembered } from "../lib/remembered";
import { webhooksOfScope, type WebhookTarget } from "./fanout";

export interface SpaceWebhooks {
  webhooks: WebhookTarget[];
  /** The space's webhook epoch, read before the endpoints were. */
  epoch: number;
}

/** At most a minute, should an epoch bump fail; at most 1,000 spaces an isolate. */
const remembered = new Remembered<SpaceWebhooks>(60_000, 1000);

/** What the final batch's guard says when the endpoints changed since they were read. */
export const ENDPOINTS_CHANGED = "webhook endpoints changed";

/** The space's endpoints: remembered, or read (the epoch first, then the directory) and remembered. */
export async function spaceWebhooks(db: Directory, shard: JobShard, spaceId: string, now: number): Promise<SpaceWebhooks> {
  const known = remembered.get(spaceId, now);
  if (known) return known;
  const epoch = await spaceEpoch(shard, "webhook_epochs", spaceId);
  const fresh = { webhooks: await webhooksOfScope(db, { spaceId }), epoch };
  remembered.set(spaceId, fresh, now);
  return fresh;
}

export function forgetSpaceWebhooks(spaceId: string): void {
  remembered.forget(spaceId);
}

/** The first statement of a final batch written with remembered endpoints: aborts the batch if they are stale. */
export function endpointsGuard(shard: JobShard, spaceId: string, epoch: number): D1PreparedStatement {
  return shard.prepare("INSERT INTO webhook_epoch_checks (space_id, epoch) VALUES (?, ?)").bind(spaceId, epoch);
}

export function isEndpointsChanged(error: unknown): boolean {
  return String((error as Error | undefined)?.message ?? error).includes(ENDPOINTS_CHANGED);
}

/** Says that the space's endpoints changed: isolates stop trusting what they remembered. */
export async function bumpWebhookEpoch(shard: JobShard, spaceId: string): Promise<void> {
  forgetSpaceWebhooks(spaceId);
  await bumpSpaceEpoch(shard, "webhook_epochs", spaceId);
}
