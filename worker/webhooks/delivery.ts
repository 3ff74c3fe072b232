// Consumer of the webhook-deliveries queue: signs and POSTs one delivery, logs the attempt, and
// retries with exponential backoff and jitter on network errors, timeouts, 408, 429 and 5xx
// (honouring Retry-After), at least 8 retries over about an hour, then dead-letters it. Other 4xx
// answers are final at once. The endpoint (URL, enabled, signing secret) is remembered per isolate
// under the space's webhook epoch, which the delivery's own read on the shard returns: a delivery
// reads the directory only the first time, and after any change to the space's endpoints.
import { directory, jobShard, type JobShard } from "../db/databases";
import { EpochMemory } from "../lib/remembered";
import type { Env } from "../env";
import { getJob } from "../jobs/service";
import type { DeliveryMessage } from "./fanout";
import { decryptUnderDeploymentKeys, isWrongKey } from "../lib/secret-key";
import { decryptSecret, signatureHeaders, WebhookKeyMissing } from "./signing";

/** Delay before retry n (seconds): about 1 s, growing to 30 min; 9 attempts span about 68 minutes. */
export const RETRY_DELAYS_SECONDS = [1, 5, 30, 120, 300, 600, 1200, 1800];
export const MAX_ATTEMPTS = RETRY_DELAYS_SECONDS.length + 1;
const RESPONSE_SNIPPET_BYTES = 1024;
const DEFAULT_TIMEOUT_MS = 10_000;
/** A missing secret is an operator's fix, not a receiver's hiccup: wait longer than a retry. */
const KEY_MISSING_RETRY_SECONDS = 300;

interface DeliveryRow {
  id: string;
  webhook_id: string;
  space_id: string;
  job_id: string;
  event_type: string;
  status: string;
  attempts: number;
  series: number;
  /** The space's webhook epoch (space-webhooks.ts), read with the row. */
  webhook_epoch: number;
}

interface EndpointRow {
  url: string;
  enabled: number;
  secret_ciphertext: string;
  previous_secret_ciphertext: string | null;
  previous_secret_until: number | null;
}

/** Endpoints by webhook id, valid under the epoch they were read at (null: the endpoint is gone). */
const endpoints = new EpochMemory<EndpointRow | null>();

function readEndpoint(env: Env, row: DeliveryRow): Promise<EndpointRow | null> {
  return directory(env)
    .prepare("SELECT url, enabled, secret_ciphertext, previous_secret_ciphertext, previous_secret_until FROM webhooks WHERE id = ? AND space_id = ?")
    .bind(row.webhook_id, row.space_id)
    .first<EndpointRow>();
}

/** The delivery, with its space's webhook epoch read in the same statement (before any endpoint read). */
const DELIVERY_SQL = `SELECT d.*, coalesce((SELECT epoch FROM webhook_epochs WHERE space_id = d.space_id), 0) AS webhook_epoch
  FROM webhook_deliveries d WHERE d.id = ?`;

type AttemptResult =
  | { kind: "success"; statusCode: number; snippet: string }
  | { kind: "retryable"; statusCode: number | null; error: string | null; snippet: string | null; retryAfterSeconds: number | null }
  | { kind: "final"; statusCode: number; snippet: string };

export async function handleDeliveryBatch(batch: MessageBatch<DeliveryMessage>, env: Env): Promise<void> {
  for (const message of batch.messages) {
    try {
      const delay = await deliverOnce(env, message.body);
      if (delay === null) message.ack();
      else message.retry({ delaySeconds: delay });
    } catch (error) {
      if (error instanceof WebhookKeyMissing) {
        // Never signed with a default key: the delivery waits, unattempted, until the secret is set.
        console.error("webhook delivery not sent: WEBHOOK_SECRET_KEY is not set; the message will be retried", { body: message.body });
        message.retry({ delaySeconds: KEY_MISSING_RETRY_SECONDS });
        continue;
      }
      console.error("webhook delivery failed unexpectedly; the message will be retried", { body: message.body, error });
      message.retry({ delaySeconds: 30 });
    }
  }
}

/** Makes one attempt; returns the delay before the next one, or null when the delivery is settled. */
export async function deliverOnce(env: Env, message: DeliveryMessage): Promise<number | null> {
  const shard = jobShard(env, message.shard);
  const row = await shard.prepare(DELIVERY_SQL).bind(message.deliveryId).first<DeliveryRow>();
  // Settled, or a message of an older series (a redelivery replaced it): nothing to do.
  if (!row || row.status !== "pending" || row.series !== message.series) return null;
  const endpoint = await endpoints.get(`${row.space_id}/${row.webhook_id}`, row.webhook_epoch, () => readEndpoint(env, row));
  if (!endpoint || !endpoint.enabled) {
    await settle(shard, row, "failed", null);
    return null;
  }

  const attempt = row.attempts;
  const job = await getJob(env, { spaceId: row.space_id, shard: shard.name }, row.job_id);
  const body = JSON.stringify({
    eventType: row.event_type,
    entityType: "JOB",
    data: job,
    metadata: { timestamp: job.endedAt ?? job.updatedAt, spaceId: row.space_id, correlationId: job.correlationId, deliveryId: row.id },
  });
  let secret: string;
  try {
    secret = await openSecret(env, row, endpoint);
  } catch (error) {
    if (!isWrongKey(error)) throw error;
    // No key of this deployment opens the signing secret, so no attempt can ever be signed: the
    // delivery fails now, saying why, rather than being retried for good (and holding its job).
    await recordAttempt(shard, row, attempt, Date.now(), { statusCode: null, durationMs: 0, error: SECRET_UNREADABLE, snippet: null });
    await settle(shard, row, "failed", null);
    return null;
  }
  const headers = await signatureHeaders(secret, row.id, Math.floor(Date.now() / 1000), body, attempt, await previousSecret(env, endpoint));

  const startedAt = Date.now();
  const result = await post(endpoint.url, headers, body, Number(env.WEBHOOK_TIMEOUT_MS ?? DEFAULT_TIMEOUT_MS));
  const durationMs = Date.now() - startedAt;
  await recordAttempt(shard, row, attempt, startedAt, {
    statusCode: result.statusCode,
    durationMs,
    error: result.kind === "retryable" ? result.error : null,
    snippet: result.snippet,
  });

  if (result.kind === "success") {
    await settle(shard, row, "succeeded", result.statusCode);
    return null;
  }
  if (result.kind === "final" || attempt + 1 >= MAX_ATTEMPTS) {
    await settle(shard, row, result.kind === "final" ? "failed" : "dead-lettered", result.statusCode);
    return null;
  }
  const delay = nextDelay(attempt, result.retryAfterSeconds);
  await shard.prepare(
    `UPDATE webhook_deliveries SET attempts = ?, last_status_code = ?, next_attempt_at = ?, updated_at = ?
     WHERE id = ? AND series = ?`,
  )
    .bind(attempt + 1, result.statusCode, Date.now() + delay * 1000, Date.now(), row.id, row.series)
    .run();
  return delay;
}

/** Exponential schedule with ±20 % jitter, or the receiver's Retry-After when that is longer. */
export function nextDelay(attempt: number, retryAfterSeconds: number | null): number {
  const base = RETRY_DELAYS_SECONDS[Math.min(attempt, RETRY_DELAYS_SECONDS.length - 1)];
  const jittered = Math.max(1, Math.round(base * (0.8 + Math.random() * 0.4)));
  return Math.min(43_200, Math.max(jittered, retryAfterSeconds ?? 0));
}

/**
 * The endpoint's signing secret. A remembered ciphertext that no longer opens (re-encrypted under a
 * rotated key since, which bumps no epoch) is read again from the directory before it counts as unreadable.
 */
async function openSecret(env: Env, row: DeliveryRow, endpoint: EndpointRow): Promise<string> {
  const open = (stored: EndpointRow) => decryptUnderDeploymentKeys(env, (secretKey) => decryptSecret(stored.secret_ciphertext, secretKey));
  try {
    return await open(endpoint);
  } catch (error) {
    if (!isWrongKey(error)) throw error;
    endpoints.forget(`${row.space_id}/${row.webhook_id}`);
    const fresh = await readEndpoint(env, row);
    if (!fresh || fresh.secret_ciphertext === endpoint.secret_ciphertext) throw error;
    return open(fresh);
  }
}

/**
 * The secret a new one replaced, while it still signs beside it; null once its time is up, and when
 * it no longer decrypts (a deployment key rotated since and its previous key deleted: the grace ends early).
 */
async function previousSecret(env: Env, endpoint: EndpointRow): Promise<string | null> {
  const stored = endpoint.previous_secret_ciphertext;
  if (stored === null || endpoint.previous_secret_until === null || endpoint.previous_secret_until <= Date.now()) return null;
  try {
    return await decryptUnderDeploymentKeys(env, (secretKey) => decryptSecret(stored, secretKey));
  } catch (error) {
    if (!isWrongKey(error)) throw error;
    return null;
  }
}

/** The error of an attempt that could not be signed (the delivery then fails). */
export const SECRET_UNREADABLE =
  "not sent: the webhook's signing secret cannot be decrypted with this deployment's key (was WEBHOOK_SECRET_KEY replaced without WEBHOOK_SECRET_KEY_PREVIOUS?); give the webhook a new secret (POST /api/webhooks/{id}/secret) and redeliver";

/** One attempt of the delivery's series, recorded once however often the message is delivered. */
async function recordAttempt(
  shard: JobShard,
  row: DeliveryRow,
  attempt: number,
  at: number,
  outcome: { statusCode: number | null; durationMs: number; error: string | null; snippet: string | null },
) {
  await shard.prepare(
    `INSERT INTO webhook_attempts (delivery_id, series, attempt, at, status_code, duration_ms, error, response_snippet)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (delivery_id, series, attempt) DO NOTHING`,
  )
    .bind(row.id, row.series, attempt, at, outcome.statusCode, outcome.durationMs, outcome.error, outcome.snippet)
    .run();
}

async function settle(shard: JobShard, row: DeliveryRow, status: string, statusCode: number | null) {
  await shard.prepare(
    `UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, last_status_code = ?, next_attempt_at = NULL, updated_at = ?
     WHERE id = ? AND series = ?`,
  )
    .bind(status, statusCode, Date.now(), row.id, row.series)
    .run();
}

async function post(url: string, headers: Record<string, string>, body: string, timeoutMs: number): Promise<AttemptResult> {
  let response: Response;
  try {
    response = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return {
      kind: "retryable",
      statusCode: null,
      error: timedOut ? `timed out after ${timeoutMs} ms` : `network error: ${error instanceof Error ? error.message : String(error)}`,
      snippet: null,
      retryAfterSeconds: null,
    };
  }
  const snippet = await readSnippet(response);
  const status = response.status;
  if (status >= 200 && status < 300) return { kind: "success", statusCode: status, snippet };
  if (status === 408 || status === 429 || status >= 500) {
    return { kind: "retryable", statusCode: status, error: `answered ${status}`, snippet, retryAfterSeconds: retryAfter(response) };
  }
  return { kind: "final", statusCode: status, snippet };
}

/**
 * The first RESPONSE_SNIPPET_BYTES of the answer, for the attempt log. The rest is never read: a
 * receiver answering megabytes (or an endless stream) costs the consumer 1 KiB of memory.
 */
async function readSnippet(response: Response): Promise<string> {
  if (!response.body) return "";
  const reader = response.body.getReader();
  const kept = new Uint8Array(RESPONSE_SNIPPET_BYTES);
  let size = 0;
  try {
    while (size < RESPONSE_SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = Math.min(value.byteLength, RESPONSE_SNIPPET_BYTES - size);
      kept.set(value.subarray(0, take), size);
      size += take;
    }
  } catch (error) {
    // The body broke off (timeout, reset): the status is what counts; keep what arrived.
    console.warn("webhook response body could not be read", { error });
  } finally {
    // Closes the connection: the receiver stops sending what would only be dropped.
    reader.cancel().catch((error) => console.warn("webhook response body could not be cancelled", { error }));
  }
  // stream: true holds back a character cut at the 1 KiB boundary instead of emitting U+FFFD.
  return new TextDecoder().decode(kept.subarray(0, size), { stream: true });
}

function retryAfter(response: Response): number | null {
  const header = response.headers.get("retry-after");
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
