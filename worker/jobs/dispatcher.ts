// The dispatcher: claims the account's oldest WAITING jobs while slots are free and starts their
// runners. A trigger that sees a free slot does it itself after its answer (claimAfterTrigger); a
// message on the job-triggers queue says "this account may have a free slot" (a slot was freed, the
// watchdog, or a trigger's own claim failed), and its consumer does the same. Queue delivery is at
// least once and triggers run at once, but the claim is one conditional UPDATE, so a duplicate
// message can never start a job twice or over-fill the parallel limit.
import { directory, jobShard, shardOfAccount, type JobShard } from "../db/databases";
import type { Env } from "../env";
import { versionDefinition } from "../rules/version-definitions";
import { loadPayload } from "./payloads";
import { RUNNING_STATUS, SLOT_HOLDING_STATES, sqlStates } from "./states";
import type { RunnerInit } from "./runner-storage";

export interface TriggerMessage {
  accountId: string;
  /** The account's job shard; looked up in the directory when a message lacks it. */
  shard?: string;
  /** Why the message was sent: for logs and the console, not for the logic. */
  reason: "created" | "slot-freed" | "watchdog";
  jobId?: string;
}

export interface ClaimedJob {
  id: string;
  account_id: string;
  space_id: string;
  rule_id: string;
  rule_version: number;
  input: string;
  input_ref: string | null;
}

export async function sendTrigger(env: Env, message: TriggerMessage): Promise<boolean> {
  try {
    await env.JOB_TRIGGERS.send(message, { contentType: "json" });
    return true;
  } catch (error) {
    // The job is safe in D1 as WAITING; the watchdog re-sends lost triggers.
    console.error("trigger send failed; the watchdog will re-send it", { message, error });
    return false;
  }
}

/**
 * Whether the account's last trigger in this isolate found a slot free: then the next one claims in
 * its INSERT's own batch (claimStatement), no round trip of its own; at a full account it does not,
 * so a burst of triggers there stays one statement each. Only a choice of path: a trigger whose
 * INSERT finds a slot free without having claimed claims after its answer (claimAfterTrigger).
 */
const slotLastFree = new Map<string, boolean>();
const SLOT_HINTS_LIMIT = 10_000;

export function claimsInBatch(env: Env, accountId: string): boolean {
  return env.CLAIM_BY !== "queue" && slotLastFree.get(accountId) !== false;
}

export function noteSlotFree(accountId: string, free: boolean): void {
  slotLastFree.delete(accountId);
  if (slotLastFree.size >= SLOT_HINTS_LIMIT) slotLastFree.delete(slotLastFree.keys().next().value!);
  slotLastFree.set(accountId, free);
}

/**
 * What a trigger does after its answer with the job its batch claimed: starts its runner, then the
 * account's next waiting jobs while slots are free (fillSlots). Should a start fail, the claimed job
 * is restarted by the watchdog, as after a consumer's failure, and the queue's message takes over
 * the rest.
 */
export async function startClaimed(env: Env, shard: JobShard, claim: Claim): Promise<void> {
  try {
    await startRunner(env, shard, claim);
    if (claim.more_waiting) await fillSlots(env, shard, claim.account_id);
  } catch (error) {
    console.warn("the trigger's start of its claimed job failed; the watchdog restarts it", { jobId: claim.id, error });
    if (claim.more_waiting) await sendTrigger(env, { accountId: claim.account_id, shard: shard.name, reason: "created", jobId: claim.id });
  }
}

/**
 * What a trigger that saw a free slot does after its answer: it claims the slot itself (fillSlots,
 * the oldest waiting job first, exactly as the consumer would), with no queue hop between the
 * trigger and the job's start. Should the claim or the start fail, the queue's message does it
 * instead, with its retries; a job claimed whose runner did not start is restarted by the watchdog,
 * as after a consumer's failure. CLAIM_BY=queue always sends the message (the workers tests).
 */
export async function claimAfterTrigger(env: Env, shard: JobShard, accountId: string, jobId: string): Promise<void> {
  const message: TriggerMessage = { accountId, shard: shard.name, reason: "created", jobId };
  if (env.CLAIM_BY === "queue") {
    await sendTrigger(env, message);
    return;
  }
  try {
    await fillSlots(env, shard, accountId);
  } catch (error) {
    console.warn("the trigger's own claim failed; the job-triggers queue takes it over", { accountId, jobId, error });
    await sendTrigger(env, message);
  }
}

export async function handleTriggerBatch(batch: MessageBatch<TriggerMessage>, env: Env): Promise<void> {
  const byAccount = new Map<string, Message<TriggerMessage>[]>();
  for (const message of batch.messages) {
    const accountId = message.body?.accountId;
    if (typeof accountId !== "string") {
      console.error("job-triggers: malformed message dropped", { id: message.id });
      message.ack();
      continue;
    }
    byAccount.set(accountId, [...(byAccount.get(accountId) ?? []), message]);
  }
  for (const [accountId, messages] of byAccount) {
    try {
      const named = messages.find((message) => typeof message.body.shard === "string")?.body.shard;
      const shard = named ? jobShard(env, named) : await shardOfAccount(env, accountId);
      if (!shard) {
        console.error("job-triggers: message for an unknown account dropped", { accountId });
        for (const message of messages) message.ack();
        continue;
      }
      await fillSlots(env, shard, accountId);
      for (const message of messages) message.ack();
    } catch (error) {
      console.error("job-triggers: dispatch failed; the message will be retried", { accountId, error });
      for (const message of messages) message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    }
  }
}

/**
 * Starts the account's oldest waiting jobs while it has free slots; returns the ids started. It stops
 * after a claim that left nothing waiting, without a claim that would find nothing: a job inserted
 * later sees the free slot itself and sends its own trigger (startJob), so none is left behind.
 */
export async function fillSlots(env: Env, shard: JobShard, accountId: string): Promise<string[]> {
  const started: string[] = [];
  for (;;) {
    const job = await claimNext(shard, accountId, Date.now());
    if (!job) return started;
    await startRunner(env, shard, job);
    started.push(job.id);
    if (!job.more_waiting) return started;
  }
}

/**
 * Claims the oldest WAITING job of the account if it is enabled and fewer than parallel_limit of its
 * jobs hold a slot. One UPDATE on the account's shard, so the count and the claim are atomic (D1 runs
 * statements one at a time), and a job that slipped in while the account was being disabled never starts.
 */
/** A claimed job, and whether the account had WAITING jobs younger than it (then another claim may succeed). */
export type Claim = ClaimedJob & { more_waiting: number };

async function claimNext(db: JobShard, accountId: string, now: number): Promise<Claim | null> {
  return claimStatement(db, accountId, now).first<Claim>();
}

/** The claim as a statement, for claimNext and for a trigger's batch (it returns the Claim or no row). */
export function claimStatement(db: JobShard, accountId: string, now: number): D1PreparedStatement {
  const holding = sqlStates(SLOT_HOLDING_STATES);
  return db
    .prepare(
      `UPDATE jobs
         SET state = ?2, status_code = ?3, status_message = ?4, transition_note = ?5,
             claimed_at = ?6, heartbeat_at = ?6, updated_at = ?6
       WHERE id = (SELECT id FROM jobs WHERE account_id = ?1 AND state = 'WAITING' ORDER BY id LIMIT 1)
         AND (SELECT count(*) FROM jobs WHERE account_id = ?1 AND state IN (${holding}))
             < (SELECT parallel_limit FROM account_limits WHERE account_id = ?1 AND disabled = 0)
       RETURNING id, account_id, space_id, rule_id, rule_version, input, input_ref,
         EXISTS (SELECT 1 FROM jobs AS younger WHERE younger.account_id = ?1 AND younger.state = 'WAITING' AND younger.id > jobs.id) AS more_waiting`,
    )
    .bind(
      accountId,
      RUNNING_STATUS.state,
      RUNNING_STATUS.code,
      RUNNING_STATUS.message,
      "Claimed a slot; runner started",
      now,
    );
}

/** Hands a claimed job to its runner, with its flow version from the directory. Idempotent: the runner ignores a second start. */
export async function startRunner(env: Env, shard: JobShard, job: ClaimedJob): Promise<void> {
  const [definition, input] = await Promise.all([
    versionDefinition(env, job.rule_id, job.rule_version),
    loadPayload(env, { text: job.input, ref: job.input_ref }),
  ]);
  const init: RunnerInit = {
    jobId: job.id,
    accountId: job.account_id,
    shard: shard.name,
    spaceId: job.space_id,
    ruleId: job.rule_id,
    ruleVersion: job.rule_version,
    definition,
    input,
    attempt: 1,
  };
  await runnerFor(env, job.id).start(init);
}

export function runnerFor(env: Env, jobId: string) {
  return env.JOB_RUNNER.get(env.JOB_RUNNER.idFromName(jobId));
}
