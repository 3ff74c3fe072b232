// Webhook endpoints of a space (in the directory): create (the secret is shown once), list, update,
// delete; their deliveries with every attempt (on the account's job shard), and redelivery. Scoped by
// space in every query.
import { directory, jobShard } from "../db/databases";
import type { Env } from "../env";
import { NotFound, Problem } from "../errors";
import type { Caller } from "../keys/keys";
import { newId } from "../lib/ids";
import { rulesByRef } from "../rules/service";
import { roomFor, spaceLimitReached } from "../tenancy/caps";
import { encryptSecret, newWebhookSecret } from "./signing";
import { enqueueDelivery } from "./fanout";
import { bumpWebhookEpoch } from "./space-webhooks";

export const WEBHOOK_EVENTS = ["JOB.COMPLETED", "JOB.ERROR", "JOB.CANCELED"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookInput {
  url: string;
  events: WebhookEvent[];
  flows?: string[] | null;
  enabled?: boolean;
}

interface WebhookRow {
  id: string;
  space_id: string;
  url: string;
  events: string;
  flows: string | null;
  enabled: number;
  secret_ciphertext: string;
  previous_secret_until: number | null;
  created_at: number;
  updated_at: number;
}

/** The longest a replaced signing secret may keep signing beside the new one: 7 days. */
export const MAX_PREVIOUS_SECRET_SECONDS = 7 * 86_400;

export class InvalidWebhookUrl extends Problem {
  constructor(message: string) {
    super(422, "invalid-webhook-url", "Invalid webhook URL", message, [{ path: "json.url", message }]);
  }
}

/** https only; plain http only to this machine, and only when running locally (npm start, tests). */
export function checkWebhookUrl(env: Env, url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidWebhookUrl(`'${url}' is not a URL`);
  }
  const local = env.ENVIRONMENT === "development" || env.ENVIRONMENT === "test";
  const loopback = parsed.hostname === "localhost" || parsed.hostname === "127.0.0.1";
  if (parsed.protocol === "https:") return;
  if (parsed.protocol === "http:" && loopback && local) return;
  throw new InvalidWebhookUrl(
    parsed.protocol === "http:" && loopback
      ? "http:// is accepted for localhost only when running locally; use https://"
      : `only https:// URLs are accepted, got ${parsed.protocol}//`,
  );
}

function view(row: WebhookRow) {
  return {
    id: row.id,
    url: row.url,
    events: JSON.parse(row.events) as WebhookEvent[],
    flows: row.flows === null ? null : (JSON.parse(row.flows) as string[]),
    enabled: Boolean(row.enabled),
    previousSecretUntil: row.previous_secret_until !== null && row.previous_secret_until > Date.now() ? new Date(row.previous_secret_until).toISOString() : null,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** The flows one endpoint may filter on: every final state binds the space's endpoints, flow lists included, as one D1 value. */
export const MAX_WEBHOOK_FLOWS = 100;

/** The rule ids of a webhook's flows (ids or aliases), in one round trip whatever their number; an unknown one is 404. */
async function resolveFlows(env: Env, spaceId: string, flows: string[] | null | undefined) {
  if (!flows) return null;
  const names = [...new Set(flows)];
  const known = await rulesByRef(directory(env).orm(), spaceId, names);
  const unknown = names.find((name) => !known.has(name));
  if (unknown !== undefined) throw new NotFound("rule", unknown);
  return JSON.stringify([...new Set(names.map((name) => known.get(name)!.id))]);
}

async function load(env: Env, spaceId: string, id: string): Promise<WebhookRow> {
  const row = await directory(env).prepare("SELECT * FROM webhooks WHERE id = ? AND space_id = ?").bind(id, spaceId).first<WebhookRow>();
  if (!row) throw new NotFound("webhook", id);
  return row;
}

export async function createWebhook(env: Env, caller: Caller, input: WebhookInput) {
  const { spaceId } = caller;
  checkWebhookUrl(env, input.url);
  const flows = await resolveFlows(env, spaceId, input.flows);
  const secret = newWebhookSecret();
  const now = Date.now();
  const id = newId(now);
  const inserted = await directory(env).prepare(
    `INSERT INTO webhooks (id, space_id, url, events, flows, enabled, secret_ciphertext, created_at, updated_at)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8 WHERE ${roomFor("webhooks", "?2")}`,
  )
    .bind(id, spaceId, input.url, JSON.stringify([...new Set(input.events)]), flows, input.enabled === false ? 0 : 1,
      await encryptSecret(secret, env.WEBHOOK_SECRET_KEY), now)
    .run();
  if (inserted.meta.changes === 0) throw await spaceLimitReached(directory(env), "webhooks", spaceId);
  await bumpWebhookEpoch(jobShard(env, caller.shard), spaceId);
  return { ...view(await load(env, spaceId, id)), secret };
}

export async function listWebhooks(env: Env, spaceId: string) {
  const rows = await directory(env).prepare("SELECT * FROM webhooks WHERE space_id = ? ORDER BY id").bind(spaceId).all<WebhookRow>();
  return rows.results.map(view);
}

export async function updateWebhook(env: Env, caller: Caller, id: string, patch: Partial<WebhookInput>) {
  const { spaceId } = caller;
  const row = await load(env, spaceId, id);
  if (patch.url !== undefined) checkWebhookUrl(env, patch.url);
  const flows = patch.flows === undefined ? row.flows : await resolveFlows(env, spaceId, patch.flows);
  await directory(env).prepare("UPDATE webhooks SET url = ?, events = ?, flows = ?, enabled = ?, updated_at = ? WHERE id = ? AND space_id = ?")
    .bind(
      patch.url ?? row.url,
      patch.events ? JSON.stringify([...new Set(patch.events)]) : row.events,
      flows,
      patch.enabled === undefined ? row.enabled : patch.enabled ? 1 : 0,
      Date.now(),
      id,
      spaceId,
    )
    .run();
  await bumpWebhookEpoch(jobShard(env, caller.shard), spaceId);
  return view(await load(env, spaceId, id));
}

/**
 * Gives the endpoint a new signing secret, shown only in this answer: every delivery attempt from
 * now on is signed with it. With `keepPreviousForSeconds` the secret it replaces signs beside it
 * until then (a second `v1,` signature in `webhook-signature`), so a receiver can switch without
 * refusing a delivery; without, the old secret stops at once (as after a leak).
 */
export async function rotateWebhookSecret(env: Env, caller: Caller, id: string, keepPreviousForSeconds = 0) {
  const { spaceId } = caller;
  const row = await load(env, spaceId, id);
  const secret = newWebhookSecret();
  const now = Date.now();
  const keep = keepPreviousForSeconds > 0;
  await directory(env).prepare(
    `UPDATE webhooks SET secret_ciphertext = ?, previous_secret_ciphertext = ?, previous_secret_until = ?, updated_at = ?
     WHERE id = ? AND space_id = ?`,
  )
    .bind(await encryptSecret(secret, env.WEBHOOK_SECRET_KEY), keep ? row.secret_ciphertext : null, keep ? now + keepPreviousForSeconds * 1000 : null, now, id, spaceId)
    .run();
  // Deliveries remember their endpoint under the space's webhook epoch: from the next one on, the new secret.
  await bumpWebhookEpoch(jobShard(env, caller.shard), spaceId);
  return { ...view(await load(env, spaceId, id)), secret };
}

/**
 * Deletes the endpoint, then (after the space's webhook epoch moved on, so no isolate's final batch
 * still writes deliveries for it) its deliveries and their attempts on the shard. The endpoint goes
 * first: a delivery whose endpoint is gone is settled as failed without an attempt, so a failure
 * between the statements leaves nothing that would still be sent.
 */
export async function deleteWebhook(env: Env, caller: Caller, id: string) {
  const { spaceId } = caller;
  await load(env, spaceId, id);
  await directory(env).prepare("DELETE FROM webhooks WHERE id = ? AND space_id = ?").bind(id, spaceId).run();
  const shard = jobShard(env, caller.shard);
  await bumpWebhookEpoch(shard, spaceId);
  await shard.batch([
    shard
      .prepare("DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE webhook_id = ? AND space_id = ?)")
      .bind(id, spaceId),
    shard.prepare("DELETE FROM webhook_deliveries WHERE webhook_id = ? AND space_id = ?").bind(id, spaceId),
  ]);
}

interface DeliveryRow {
  id: string;
  webhook_id: string;
  job_id: string;
  event_type: string;
  status: string;
  attempts: number;
  series: number;
  last_status_code: number | null;
  next_attempt_at: number | null;
  created_at: number;
  updated_at: number;
}

interface AttemptRow {
  delivery_id: string;
  series: number;
  attempt: number;
  at: number;
  status_code: number | null;
  duration_ms: number;
  error: string | null;
  response_snippet: string | null;
}

export async function listDeliveries(env: Env, caller: Caller, webhookId: string, cursor: string | undefined, limit: number) {
  const { spaceId } = caller;
  await load(env, spaceId, webhookId);
  const shard = jobShard(env, caller.shard);
  const rows = await shard.prepare(
    `SELECT * FROM webhook_deliveries WHERE webhook_id = ? AND space_id = ? ${cursor ? "AND id < ?" : ""} ORDER BY id DESC LIMIT ?`,
  )
    .bind(...[webhookId, spaceId, ...(cursor ? [cursor] : []), limit + 1])
    .all<DeliveryRow>();
  const page = rows.results.slice(0, limit);
  const attempts = page.length
    ? await shard.prepare(
        `SELECT * FROM webhook_attempts WHERE delivery_id IN (${page.map(() => "?").join(", ")}) ORDER BY series, attempt`,
      )
        .bind(...page.map((row) => row.id))
        .all<AttemptRow>()
    : { results: [] as AttemptRow[] };
  return {
    items: page.map((row) => ({
      id: row.id,
      webhookId: row.webhook_id,
      jobId: row.job_id,
      eventType: row.event_type,
      status: row.status,
      series: row.series,
      attempts: attempts.results
        .filter((attempt) => attempt.delivery_id === row.id)
        .map((attempt) => ({
          series: attempt.series,
          attempt: attempt.attempt,
          at: new Date(attempt.at).toISOString(),
          statusCode: attempt.status_code,
          durationMs: attempt.duration_ms,
          error: attempt.error,
          responseSnippet: attempt.response_snippet,
        })),
      nextAttemptAt: row.status === "pending" && row.next_attempt_at ? new Date(row.next_attempt_at).toISOString() : null,
      createdAt: new Date(row.created_at).toISOString(),
      updatedAt: new Date(row.updated_at).toISOString(),
    })),
    nextCursor: rows.results.length > limit ? page[page.length - 1].id : null,
  };
}

/** Starts a new attempt series for a delivery; the webhook-id stays the same so receivers dedupe. */
export async function redeliver(env: Env, caller: Caller, deliveryId: string) {
  const now = Date.now();
  const shard = jobShard(env, caller.shard);
  const row = await shard.prepare(
    `UPDATE webhook_deliveries SET status = 'pending', series = series + 1, attempts = 0, next_attempt_at = ?, updated_at = ?
     WHERE id = ? AND space_id = ? RETURNING id, series`,
  )
    .bind(now, now, deliveryId, caller.spaceId)
    .first<{ id: string; series: number }>();
  if (!row) throw new NotFound("delivery", deliveryId);
  await enqueueDelivery(env, { deliveryId: row.id, shard: shard.name, series: row.series });
  return { id: row.id, series: row.series, status: "pending" as const };
}
