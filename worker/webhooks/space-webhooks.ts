// A space's enabled webhook endpoints, remembered per isolate, so a job's end matches them without
// reading the directory (one read per job end otherwise: the directory is the one database every
// account shares). What keeps them from being stale is the space's webhook epoch on its account's
// shard: every change to the space's endpoints bumps it after the directory is written and before the
// change is answered (bumpWebhookEpoch), and the final batch written with remembered endpoints starts
// with a guard row that aborts the whole batch unless the epoch is still the one read before them
// (migration 0007). A stale isolate therefore never writes a delivery for an endpoint that was
// disabled, or misses one created, after the change was answered: its batch is refused, it reads
// the endpoints again and writes the batch once more. Should the bump itself fail (the change is
// answered 500), remembered endpoints live at most ENDPOINTS_TTL_MS.
import type { Directory, JobShard } from "../db/databases";
import { EVENT_FOR_STATE, webhooksOfScope, type FinishedJob, type WebhookTarget } from "./fanout";

export interface SpaceWebhooks {
  webhooks: WebhookTarget[];
  /** The space's webhook epoch, read before the endpoints were. */
  epoch: number;
}

const ENDPOINTS_TTL_MS = 60_000;
const SPACES_LIMIT = 1000;
const remembered = new Map<string, SpaceWebhooks & { at: number }>();

/** What the final batch's guard says when the endpoints changed since they were read. */
export const ENDPOINTS_CHANGED = "webhook endpoints changed";

/** The space's endpoints: remembered, or read (the epoch first, then the directory) and remembered. */
export async function spaceWebhooks(db: Directory, shard: JobShard, spaceId: string, now: number): Promise<SpaceWebhooks> {
  const entry = remembered.get(spaceId);
  if (entry && now - entry.at <= ENDPOINTS_TTL_MS) return entry;
  const epoch = await webhookEpoch(shard, spaceId);
  const webhooks = await webhooksOfScope(db, { spaceId });
  remembered.delete(spaceId);
  if (remembered.size >= SPACES_LIMIT) remembered.delete(remembered.keys().next().value!);
  const fresh = { webhooks, epoch, at: now };
  remembered.set(spaceId, fresh);
  return fresh;
}

export function forgetSpaceWebhooks(spaceId: string): void {
  remembered.delete(spaceId);
}

/** The endpoints that want this job's end: its event listed and, if they filter flows, its flow (as fanout.ts's SQL). */
export function wantedBy(webhooks: WebhookTarget[], job: FinishedJob): string[] {
  const eventType = EVENT_FOR_STATE[job.state];
  if (!eventType) return [];
  return webhooks
    .filter((hook) => hook.space_id === job.spaceId && hook.events.includes(eventType) && (hook.flows === null || hook.flows.includes(job.ruleId)))
    .map((hook) => hook.id);
}

/** The first statement of a final batch written with remembered endpoints: aborts the batch if they are stale. */
export function endpointsGuard(shard: JobShard, spaceId: string, epoch: number): D1PreparedStatement {
  return shard.prepare("INSERT INTO webhook_epoch_checks (space_id, epoch) VALUES (?, ?)").bind(spaceId, epoch);
}

export function isEndpointsChanged(error: unknown): boolean {
  return String((error as Error | undefined)?.message ?? error).includes(ENDPOINTS_CHANGED);
}

/** The space's webhook epoch (0 before its endpoints ever changed). */
async function webhookEpoch(shard: JobShard, spaceId: string): Promise<number> {
  const row = await shard.prepare("SELECT epoch FROM webhook_epochs WHERE space_id = ?").bind(spaceId).first<{ epoch: number }>();
  return row?.epoch ?? 0;
}

/** Says that the space's endpoints changed: isolates stop trusting what they remembered. */
export async function bumpWebhookEpoch(shard: JobShard, spaceId: string): Promise<void> {
  forgetSpaceWebhooks(spaceId);
  await shard
    .prepare("INSERT INTO webhook_epochs (space_id, epoch) VALUES (?, 1) ON CONFLICT (space_id) DO UPDATE SET epoch = epoch + 1")
    .bind(spaceId)
    .run();
}
