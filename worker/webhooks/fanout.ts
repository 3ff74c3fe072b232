// Fan-out of a final job state to the space's webhooks. The delivery rows are inserted in the same
// D1 batch as the final transition, and the (job, webhook) unique index keeps it to one delivery per
// webhook however often the final transition is retried. Queue messages follow; a lost one is
// re-sent by the watchdog (pending deliveries past their next attempt time).
import type { Env } from "../env";
import { newId } from "../lib/ids";
import type { JobState } from "../jobs/states";

export interface DeliveryMessage {
  deliveryId: string;
  /** The attempt series the message belongs to; a redelivery starts a new one. */
  series: number;
}

const EVENT_FOR_STATE: Partial<Record<JobState, string>> = {
  COMPLETED: "JOB.COMPLETED",
  ERROR: "JOB.ERROR",
  CANCELED: "JOB.CANCELED",
};

export interface FinishedJob {
  jobId: string;
  spaceId: string;
  ruleId: string;
  state: JobState;
}

/** The matching webhooks, read before the final batch (their ids are fixed in the delivery rows). */
export async function matchingWebhooks(db: D1Database, job: FinishedJob): Promise<string[]> {
  const eventType = EVENT_FOR_STATE[job.state];
  if (!eventType) return [];
  const rows = await db
    .prepare(
      `SELECT id FROM webhooks WHERE space_id = ?1 AND enabled = 1
         AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE json_each.value = ?2)
         AND (flows IS NULL OR EXISTS (SELECT 1 FROM json_each(webhooks.flows) WHERE json_each.value = ?3))`,
    )
    .bind(job.spaceId, eventType, job.ruleId)
    .all<{ id: string }>();
  return rows.results.map((row) => row.id);
}

export function deliveryStatements(db: D1Database, job: FinishedJob, webhookIds: string[], now: number) {
  const eventType = EVENT_FOR_STATE[job.state];
  return webhookIds.map((webhookId) =>
    db
      .prepare(
        `INSERT INTO webhook_deliveries (id, webhook_id, space_id, job_id, event_type, status, attempts, series, next_attempt_at, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, 'pending', 0, 1, ?, ?, ?)
         ON CONFLICT (job_id, webhook_id) DO NOTHING RETURNING id`,
      )
      .bind(newId(now), webhookId, job.spaceId, job.jobId, eventType, now, now, now),
  );
}

export async function enqueueDelivery(env: Env, message: DeliveryMessage): Promise<void> {
  try {
    await env.WEBHOOK_DELIVERIES.send(message, { contentType: "json" });
  } catch (error) {
    // The delivery row is pending in D1; the watchdog re-sends it.
    console.error("webhook delivery enqueue failed; the watchdog will re-send it", { message, error });
  }
}
