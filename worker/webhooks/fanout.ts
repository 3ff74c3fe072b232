// Fan-out of a final job state to the space's webhooks. The endpoints are read from the directory;
// the delivery rows are inserted on the job's shard in the same D1 batch as the final transition, and
// the (job, webhook) unique index keeps it to one delivery per webhook however often the final
// transition is retried. Queue messages follow; a lost one is re-sent by the watchdog (pending
// deliveries past their next attempt time).
import type { Directory, JobShard } from "../db/databases";
import type { Env } from "../env";
import { newId } from "../lib/ids";
import { sqlStates, type JobState } from "../jobs/states";

export interface DeliveryMessage {
  deliveryId: string;
  /** The job shard holding the delivery row. */
  shard: string;
  /** The attempt series the message belongs to; a redelivery starts a new one. */
  series: number;
}

const EVENT_FOR_STATE: Partial<Record<JobState, string>> = {
  COMPLETED: "JOB.COMPLETED",
  ERROR: "JOB.ERROR",
  CANCELED: "JOB.CANCELED",
};

/** A webhook wants an event of a flow when it is enabled, lists the event and (if it filters flows) the flow. */
function webhookWants(eventType: string, ruleId: string) {
  return `webhooks.enabled = 1
    AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE json_each.value = ${eventType})
    AND (webhooks.flows IS NULL OR EXISTS (SELECT 1 FROM json_each(webhooks.flows) WHERE json_each.value = ${ruleId}))`;
}

/**
 * The jobs a final transition made in D1 itself moves: one job, a space (or one flow version of it),
 * an account, or named jobs (a chunk of a cancel-all: its endpoints come from the scope it is of).
 */
export type TransitionScope =
  | { jobId: string; spaceId?: string }
  | { spaceId: string; ruleId?: string; ruleVersion?: number }
  | { accountId: string }
  | { jobIds: string[] };
/** A scope as the API and the watchdog name one (its endpoints are the spaces' it covers). */
export type NamedScope = Exclude<TransitionScope, { jobIds: string[] }>;

/** The SQL condition on `jobs` of a scope, its values bound from ?`first` on. */
export function jobsInScope(scope: TransitionScope, first: number): { where: string; params: unknown[] } {
  // The ids as one bound JSON array: a chunk of thousands is past D1's 100 bound parameters.
  if ("jobIds" in scope) return { where: `jobs.id IN (SELECT value FROM json_each(?${first}))`, params: [JSON.stringify(scope.jobIds)] };
  const columns: [string, unknown][] =
    "jobId" in scope
      ? [["id", scope.jobId], ["space_id", scope.spaceId]]
      : "accountId" in scope
        ? [["account_id", scope.accountId]]
        : [["space_id", scope.spaceId], ["rule_id", scope.ruleId], ["rule_version", scope.ruleVersion]];
  const present = columns.filter(([, value]) => value !== undefined);
  return {
    where: present.map(([column], index) => `jobs.${column} = ?${first + index}`).join(" AND "),
    params: present.map(([, value]) => value),
  };
}

/** A webhook endpoint as the shard's fan-out statement takes it (JSON in one bound parameter). */
export interface WebhookTarget {
  id: string;
  space_id: string;
  events: string[];
  flows: string[] | null;
}

/**
 * The enabled webhooks of the spaces a transition scope can touch (one space, or every space of an
 * account), read from the directory for the shard's fan-out statement.
 */
export async function webhooksOfScope(db: Directory, scope: NamedScope): Promise<WebhookTarget[]> {
  const rows =
    "accountId" in scope
      ? await db
          .prepare(
            "SELECT id, space_id, events, flows FROM webhooks WHERE enabled = 1 AND space_id IN (SELECT id FROM spaces WHERE account_id = ?)",
          )
          .bind(scope.accountId)
          .all<{ id: string; space_id: string; events: string; flows: string | null }>()
      : scope.spaceId === undefined
        ? // A single job named without its space (the watchdog): its space is read on the shard, so take the space's webhooks there.
          null
        : await db
            .prepare("SELECT id, space_id, events, flows FROM webhooks WHERE enabled = 1 AND space_id = ?")
            .bind(scope.spaceId)
            .all<{ id: string; space_id: string; events: string; flows: string | null }>();
  if (!rows) throw new Error("webhooksOfScope needs the job's space");
  return rows.results.map((row) => ({
    id: row.id,
    space_id: row.space_id,
    events: JSON.parse(row.events) as string[],
    flows: row.flows === null ? null : (JSON.parse(row.flows) as string[]),
  }));
}

/**
 * Bytes of endpoint JSON one statement binds: D1 takes a string of at most 2 MB, and one space's
 * endpoints stay far below that (50, each filtering at most 100 flows: ~140 KB), but an account's
 * spaces together need not.
 */
export const WEBHOOKS_JSON_PER_STATEMENT = 500_000;

/** The endpoints cut into groups whose JSON stays within WEBHOOKS_JSON_PER_STATEMENT, one transitionDeliveries each. */
export function webhookGroups(webhooks: WebhookTarget[]): WebhookTarget[][] {
  const groups: WebhookTarget[][] = [];
  let bytes = Infinity;
  for (const webhook of webhooks) {
    const size = new TextEncoder().encode(JSON.stringify(webhook)).byteLength + 1;
    if (bytes + size > WEBHOOKS_JSON_PER_STATEMENT) {
      groups.push([]);
      bytes = 2;
    }
    groups[groups.length - 1].push(webhook);
    bytes += size;
  }
  return groups;
}

/**
 * The deliveries of a final transition written by the API or the watchdog rather than by a runner
 * (a cancel while waiting, a zombie): one INSERT … SELECT over the jobs in `from` within `scope` and
 * the `webhooks` read from the directory, to go in the same D1 batch as, and before, the UPDATE that
 * moves exactly those jobs to `to`. A batch is one transaction, so the jobs the UPDATE moves are the
 * jobs that get deliveries; a repeated call finds none left in `from` and creates nothing; the
 * (job, webhook) index keeps one per webhook.
 */
export function transitionDeliveries(
  db: JobShard,
  webhooks: WebhookTarget[],
  to: JobState,
  from: readonly JobState[],
  scope: TransitionScope,
  now: number,
): D1PreparedStatement {
  const { sql, params } = transitionDeliveriesSql(to, from, scope);
  return db.prepare(sql).bind(newId(now).slice(0, 10), EVENT_FOR_STATE[to], now, JSON.stringify(webhooks), ...params);
}

/**
 * The statement of transitionDeliveries; ?1 the id prefix, ?2 the event type, ?3 the time, ?4 the
 * webhooks as JSON, then the scope's values.
 */
export function transitionDeliveriesSql(to: JobState, from: readonly JobState[], scope: TransitionScope) {
  if (!EVENT_FOR_STATE[to]) throw new Error(`${to} is not a final state with a webhook event`);
  const { where, params } = jobsInScope(scope, 5);
  // The webhooks are a bound JSON array (they live in the directory), read as a table by json_each.
  const webhooks = `(SELECT json_extract(value, '$.id') AS id, json_extract(value, '$.space_id') AS space_id,
      json_extract(value, '$.events') AS events, json_extract(value, '$.flows') AS flows, 1 AS enabled FROM json_each(?4))`;
  // Ids minted in SQL, one per row: the ULID time part of `now` and 64 random bits written in hex
  // (hex digits are Crockford base32 digits), so they sort by time like every other id.
  const sql = `INSERT INTO webhook_deliveries (id, webhook_id, space_id, job_id, event_type, status, attempts, series, next_attempt_at, created_at, updated_at)
    SELECT ?1 || hex(randomblob(8)), webhooks.id, jobs.space_id, jobs.id, ?2, 'pending', 0, 1, ?3, ?3, ?3
    FROM jobs JOIN ${webhooks} AS webhooks ON webhooks.space_id = jobs.space_id AND ${webhookWants("?2", "jobs.rule_id")}
    WHERE jobs.state IN (${sqlStates(from)}) AND ${where}
    ON CONFLICT (job_id, webhook_id) DO NOTHING RETURNING id`;
  return { sql, params };
}

/** Queues new deliveries (series 1) in batches of the queue's 100-message limit; a lost batch is re-sent by the watchdog. */
export async function enqueueDeliveries(env: Env, shard: JobShard, deliveryIds: string[]): Promise<void> {
  for (let start = 0; start < deliveryIds.length; start += 100) {
    const messages = deliveryIds.slice(start, start + 100).map((deliveryId) => ({
      body: { deliveryId, shard: shard.name, series: 1 } satisfies DeliveryMessage,
      contentType: "json" as const,
    }));
    try {
      await env.WEBHOOK_DELIVERIES.sendBatch(messages);
    } catch (error) {
      console.error("webhook delivery enqueue failed; the watchdog will re-send it", { count: messages.length, error });
    }
  }
}

export async function enqueueDelivery(env: Env, message: DeliveryMessage): Promise<void> {
  try {
    await env.WEBHOOK_DELIVERIES.send(message, { contentType: "json" });
  } catch (error) {
    // The delivery row is pending in D1; the watchdog re-sends it.
    console.error("webhook delivery enqueue failed; the watchdog will re-send it", { message, error });
  }
}
