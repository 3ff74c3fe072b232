// Job operations behind the API: start, read, cancel, cancel-all. Every query runs on the caller's
// job shard and is scoped by the caller's space in the SQL itself; another space's job is the same
// 404 as no job.
import { periodOf } from "../billing/periods";
import { quotaAllows, quotaRefusal } from "../billing/usage";
import { directory, jobShard, type Directory, type JobShard } from "../db/databases";
import type { Env } from "../env";
import { BadRequest, Conflict, NotFound, Problem } from "../errors";
import type { Caller } from "../keys/keys";
import { sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import { notPublished } from "../rules/service";
import { enqueueDeliveries, jobsInScope, transitionDeliveries, webhookGroups, webhooksOfScope, type NamedScope, type TransitionScope, type WebhookTarget } from "../webhooks/fanout";
import { claimAfterTrigger, claimsInBatch, claimStatement, noteSlotFree, runnerFor, startClaimed, type Claim } from "./dispatcher";
import { CANCELING_STATUS, isFinal, SLOT_HOLDING_STATES, type JobState, sqlStates, statusForOutcome, WAITING_STATUS, type Status } from "./states";
import { deletePayloads, loadPayload, storePayload, type StoredPayload } from "./payloads";
import { forgetTarget, rememberedTarget, rememberTarget, ruleEpoch, targetKey, type StartTarget } from "./start-targets";
import { JOB_COLUMNS, JOB_FROM, jobView, type JobRow, type JobView, type StoredJobRow } from "./view";

export interface StartRequest {
  flow: string;
  version?: number;
  /** A test run from the console's test bench: `version` runs even if it is not published yet. */
  unpublished?: boolean;
  input: Record<string, unknown>;
  idempotencyKey?: string;
  correlationId?: string;
  /** Who triggered it, for the job's timeline ("by schedule 'nightly' for …"); default: the caller's key. */
  triggeredBy?: string;
}

/**
 * The rule and the version a trigger names (the requested version, or the latest published one),
 * from the directory: one indexed read before the job's INSERT on the account's shard.
 */
async function findStartTarget(db: Directory, spaceId: string, flow: string, version: number | undefined) {
  const versionMatch = version === undefined ? "rule_versions.status = 'published'" : "rule_versions.version = ?3";
  return db
    .prepare(
      `SELECT rules.id AS rule_id, rules.type AS rule_type, rules.alias AS rule_alias,
              rule_versions.version AS version, rule_versions.status AS status
       FROM rules LEFT JOIN rule_versions ON rule_versions.rule_id = rules.id AND ${versionMatch}
       WHERE rules.space_id = ?1 AND (rules.id = ?2 OR rules.alias = ?2)
       ORDER BY rule_versions.version DESC LIMIT 1`,
    )
    .bind(...(version === undefined ? [spaceId, flow] : [spaceId, flow, version]))
    .first<StartTarget>();
}

/** A trigger of an account the admin API disabled: no job is created until it is enabled again. */
export class AccountDisabled extends Problem {
  constructor() {
    super(
      403,
      "account-disabled",
      "Account disabled",
      "This account has been disabled by an administrator: new jobs are refused and its jobs were canceled. Existing jobs can still be read.",
    );
  }
}

/**
 * The trigger's one statement on the account's shard: refuses a disabled account, applies the quota
 * gate and inserts the job, or inserts nothing (then the account's limits say why). Returns whether
 * the account had a slot free. ?3 is the account, ?19 the period, ?20 the rule epoch a remembered
 * target was read at (null: the target was just read from the directory).
 */
const INSERT_JOB = `INSERT INTO jobs (id, space_id, account_id, rule_id, rule_alias, rule_version, correlation_id, idempotency_key,
    request_hash, used_api_key_id, input, input_ref, state, status_code, status_message, transition_note, created_at, updated_at)
  SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18
  WHERE ${quotaAllows("?3", "?19")}
    AND (?20 IS NULL OR coalesce((SELECT epoch FROM rule_epochs WHERE space_id = ?2), 0) = ?20)
  RETURNING (SELECT count(*) FROM jobs AS holding WHERE holding.account_id = ?3 AND holding.state IN (${sqlStates(SLOT_HOLDING_STATES)}))
      < (SELECT parallel_limit FROM account_limits WHERE account_id = ?3) AS slot_free`;

export async function startJob(
  env: Env,
  caller: Caller,
  request: StartRequest,
  defer: (work: Promise<unknown>) => void = () => {},
): Promise<{ job: JobView; replayed: boolean }> {
  const shard = jobShard(env, caller.shard);
  const inputText = JSON.stringify(request.input);
  const requestHash = request.idempotencyKey
    ? await sha256Hex(`${request.flow}\n${request.version ?? "latest"}\n${inputText}`)
    : null;
  const correlationId = request.correlationId ?? crypto.randomUUID();
  const note = `Triggered ${request.triggeredBy ?? `with key '${caller.keyName}'`}; waiting for a slot`;
  const prepared = { inputText, requestHash, correlationId, note };
  // The target remembered in this isolate: one statement, valid while the space's rule epoch is
  // unchanged (start-targets.ts). Refused for any reason, the trigger goes the long way, which explains.
  const key = targetKey(caller.spaceId, request.flow, request.version);
  const known = rememberedTarget(key, Date.now());
  if (known && targetProblem(known.target, request) === null) {
    const started = await insertJob(env, shard, caller, request, known.target, prepared, defer, known.epoch);
    if (started) return started;
  }
  forgetTarget(key);
  const epoch = await ruleEpoch(shard, caller.spaceId);
  const target = await findStartTarget(directory(env), caller.spaceId, request.flow, request.version);
  checkTarget(target, request);
  rememberTarget(key, { target, epoch }, Date.now());
  // A refusal the limits cannot explain (pay-as-you-go was switched on in between) is tried again.
  for (let attempt = 1; ; attempt++) {
    const started = await insertJob(env, shard, caller, request, target, prepared, defer, null);
    if (started) return started;
    const refusal = await startRefusal(shard, caller.accountId, Date.now());
    if (refusal) throw refusal;
    if (attempt === 3) throw new Error("The job was not inserted, and neither the account's limits nor its quota say why");
  }
}

/** One INSERT of the job; null when the gate refused it (and no replay answers instead). */
async function insertJob(
  env: Env,
  shard: JobShard,
  caller: Caller,
  request: StartRequest,
  target: StartTarget,
  prepared: { inputText: string; requestHash: string | null; correlationId: string; note: string },
  defer: (work: Promise<unknown>) => void,
  epoch: number | null,
): Promise<{ job: JobView; replayed: boolean } | null> {
  const { inputText, requestHash, correlationId, note } = prepared;
  const now = Date.now();
  const jobId = newId(now);
  // A large input goes to R2 before the row that points at it.
  const input = await storePayload(env, jobId, "input", inputText);
  let inserted: { slot_free: number } | null;
  // The claim rides in the INSERT's batch while the account's slots were last seen free: the same
  // claim as the consumer's (oldest waiting job first, within the limit), with no round trip of its own.
  const claimHere = claimsInBatch(env, caller.accountId);
  let claimed: Claim | null = null;
  try {
    const insert = shard
      .prepare(INSERT_JOB)
      .bind(
        jobId,
        caller.spaceId,
        caller.accountId,
        target.rule_id,
        target.rule_alias,
        target.version,
        correlationId,
        request.idempotencyKey ?? null,
        requestHash,
        caller.keyId,
        input.text,
        input.ref,
        WAITING_STATUS.state,
        WAITING_STATUS.code,
        WAITING_STATUS.message,
        note,
        now,
        now,
        periodOf(now),
        epoch,
      );
    if (claimHere) {
      const [insertResult, claimResult] = await shard.batch([insert, claimStatement(shard, caller.accountId, now)]);
      inserted = (insertResult.results[0] as { slot_free: number } | undefined) ?? null;
      claimed = (claimResult.results[0] as Claim | undefined) ?? null;
    } else {
      inserted = await insert.first<{ slot_free: number }>();
    }
  } catch (error) {
    await discardPayload(env, input);
    // The Idempotency-Key is taken (the unique index): answer with its job, as a replay.
    const previous = request.idempotencyKey ? await findByIdempotencyKey(env, shard, caller.spaceId, request.idempotencyKey) : null;
    if (!previous) throw error;
    return { job: replay(previous, requestHash!), replayed: true };
  }
  // A job the batch claimed (this one or an older one waiting) is started after the answer.
  if (claimed) defer(startClaimed(env, shard, claimed));
  if (inserted) {
    noteSlotFree(caller.accountId, Boolean(inserted.slot_free));
    // The job is durable in D1 now; its claim need not hold up the answer (a lost one is re-sent by
    // the watchdog). With every slot taken there is nothing to claim: the job that frees a slot
    // sends its own trigger, and that claim sees this row.
    if (inserted.slot_free && !claimHere) defer(claimAfterTrigger(env, shard, caller.accountId, jobId));
    const row: JobRow = {
      id: jobId,
      space_id: caller.spaceId,
      account_id: caller.accountId,
      rule_id: target.rule_id,
      rule_version: target.version!,
      rule_alias: target.rule_alias,
      rule_type: "integration-flow",
      correlation_id: correlationId,
      used_api_key_id: caller.keyId,
      input: inputText,
      output: null,
      state: WAITING_STATUS.state,
      status_code: WAITING_STATUS.code,
      status_message: WAITING_STATUS.message,
      error: null,
      created_at: now,
      updated_at: now,
      claimed_at: null,
      ended_at: null,
      steps: 0,
      current_node: null,
      loop_node: null,
      loop_index: null,
      loop_length: null,
      execution_ms: 0,
      idempotency_key: request.idempotencyKey ?? null,
      request_hash: requestHash,
    };
    return { job: jobView(row), replayed: false };
  }
  // Nothing inserted. A replay answers with a job created before the account was disabled or ran
  // out of free seconds; it creates nothing.
  await discardPayload(env, input);
  const previous = request.idempotencyKey ? await findByIdempotencyKey(env, shard, caller.spaceId, request.idempotencyKey) : null;
  return previous ? { job: replay(previous, requestHash!), replayed: true } : null;
}

/** Why the gate refused a trigger: the account is disabled, or its free seconds are used up; null if it is open now. */
async function startRefusal(shard: JobShard, accountId: string, now: number): Promise<Problem | null> {
  const limits = await shard.prepare("SELECT disabled FROM account_limits WHERE account_id = ?").bind(accountId).first<{ disabled: number }>();
  if (!limits) throw new Error(`account ${accountId} has no limits row on shard ${shard.name}`);
  if (limits.disabled) return new AccountDisabled();
  return quotaRefusal(shard, accountId, now);
}

/** Deletes the R2 object of a payload whose row was never written (best effort: an orphan costs storage, not correctness). */
async function discardPayload(env: Env, payload: StoredPayload) {
  if (payload.ref) await deletePayloads(env, [payload.ref]).catch((error) => console.error("could not delete an unused payload", payload.ref, error));
}

/** The problems of the flow a trigger names: unknown, not an integration flow, unknown version, unpublished. */
function checkTarget(target: StartTarget | null, request: StartRequest): asserts target is StartTarget {
  const problem = targetProblem(target, request);
  if (problem) throw problem;
}

function targetProblem(target: StartTarget | null, request: StartRequest): Problem | null {
  if (!target) return new NotFound("rule", request.flow);
  if (target.rule_type !== "integration-flow") {
    // A decision flow or table answers in the request (DESIGN.md §13): say where to send it.
    return new BadRequest(
      "rule-not-integration-flow",
      "Rule is not an integration flow",
      `Rule '${request.flow}' is a ${target.rule_type}; only integration flows run as jobs. Solve it with POST /rule/solve/${request.flow}, or switch a decision flow to an integration flow with PATCH /api/rules/${request.flow}.`,
    );
  }
  if (request.version !== undefined && target.version === null) {
    return new NotFound("rule-version", `${request.flow}/${request.version}`);
  }
  if (target.version === null || (target.status !== "published" && !(request.unpublished && request.version !== undefined))) {
    return notPublished(request.flow, request.version);
  }
  return null;
}

function replay(previous: JobRow, requestHash: string): JobView {
  if (previous.request_hash !== requestHash) {
    throw new Conflict(
      "idempotency-key-reused",
      "Idempotency-Key reused with a different request",
      `Idempotency-Key '${previous.idempotency_key}' was first used for job ${previous.id} with a different flow, version or body.`,
    );
  }
  return jobView(previous);
}

async function findByIdempotencyKey(env: Env, shard: JobShard, spaceId: string, key: string) {
  const row = await shard
    .prepare(`SELECT ${JOB_COLUMNS} FROM ${JOB_FROM} WHERE jobs.space_id = ? AND jobs.idempotency_key = ?`)
    .bind(spaceId, key)
    .first<StoredJobRow>();
  return row && withPayloads(env, row);
}

/** The job of the space, with its input and output read back from R2 when they live there. */
export async function loadJobRow(env: Env, shard: JobShard, spaceId: string, jobId: string): Promise<JobRow> {
  const row = await shard
    .prepare(`SELECT ${JOB_COLUMNS} FROM ${JOB_FROM} WHERE jobs.id = ? AND jobs.space_id = ?`)
    .bind(jobId, spaceId)
    .first<StoredJobRow>();
  if (!row) throw new NotFound("job", jobId);
  return withPayloads(env, row);
}

async function withPayloads(env: Env, row: StoredJobRow): Promise<JobRow> {
  const { input_ref, output_ref, ...job } = row;
  const [input, output] = await Promise.all([
    loadPayload(env, { text: row.input, ref: input_ref }),
    row.output === null ? null : loadPayload(env, { text: row.output, ref: output_ref }),
  ]);
  return { ...job, input, output };
}

/** The longest a read may wait for a job's end (GET /job/{id}?wait=). */
export const MAX_WAIT_SECONDS = 60;
/** A waiting read looks at the row at least this often, so an end its runner does not see (a cancel while WAITING) is seen too. */
const WAIT_ROUND_MS = 1000;

/**
 * The job; with `waitSeconds`, not before it is COMPLETED, ERROR or CANCELED or that many seconds
 * have passed, whichever is first: the runner says when its final state is in D1, so the caller
 * learns of the end without polling.
 */
export async function getJob(env: Env, caller: Pick<Caller, "spaceId" | "shard">, jobId: string, waitSeconds = 0): Promise<JobView> {
  const shard = jobShard(env, caller.shard);
  const deadline = Date.now() + Math.min(waitSeconds, MAX_WAIT_SECONDS) * 1000;
  for (;;) {
    const row = await loadJobRow(env, shard, caller.spaceId, jobId);
    const left = deadline - Date.now();
    if (isFinal(row.state as JobState) || left <= 0) return jobView(row);
    await runnerFor(env, jobId).waitForEnd(Math.min(left, WAIT_ROUND_MS));
  }
}


/**
 * Cancels a job: a WAITING job becomes CANCELED at once (it never starts: the dispatcher only claims
 * WAITING jobs); a RUNNING one becomes CANCELING and its runner is told directly.
 */
export async function cancelJob(env: Env, caller: Caller, jobId: string): Promise<JobView> {
  const shard = jobShard(env, caller.shard);
  const row = await loadJobRow(env, shard, caller.spaceId, jobId);
  const by = `key '${caller.keyName}'`;
  const now = Date.now();
  switch (row.state) {
    case "CANCELED":
      return jobView(row);
    case "COMPLETED":
    case "ERROR":
      throw new Conflict("job-finished", "Job already finished", `Job ${jobId} is ${row.state} and can no longer be canceled.`);
    case "WAITING": {
      const canceled = await cancelWaiting(
        env,
        shard,
        { jobId, spaceId: caller.spaceId },
        statusForOutcome({ kind: "user-canceled" }),
        `Canceled while waiting, by ${by}`,
        now,
      );
      // Lost a race with the dispatcher's claim: the job is running now, cancel it as such.
      if (canceled === 0) return cancelJob(env, caller, jobId);
      return getJob(env, caller, jobId);
    }
    case "RUNNING":
    case "CANCELING": {
      // cancel_requested_at lets the watchdog forward a cancel whose call below failed.
      await shard
        .prepare(
          `UPDATE jobs SET state = ?, status_code = ?, status_message = ?, transition_note = ?, updated_at = ?, cancel_requested_at = ?
           WHERE id = ? AND state = 'RUNNING'`,
        )
        .bind(CANCELING_STATUS.state, CANCELING_STATUS.code, CANCELING_STATUS.message, `Cancel requested by ${by}`, now, now, jobId)
        .run();
      await runnerFor(env, jobId).requestCancel(by);
      return getJob(env, caller, jobId);
    }
  }
}

/** Cancels every WAITING job of the space (optionally of one flow version), in chunks (cancelWaiting). */
export async function cancelAllWaiting(
  env: Env,
  caller: Caller,
  scope: { ruleId: string; version: number } | null,
): Promise<number> {
  const note = `Canceled while waiting, by cancel-all of key '${caller.keyName}'`;
  const jobs: NamedScope = scope
    ? { spaceId: caller.spaceId, ruleId: scope.ruleId, ruleVersion: scope.version }
    : { spaceId: caller.spaceId };
  return cancelWaiting(env, jobShard(env, caller.shard), jobs, statusForOutcome({ kind: "user-canceled" }), note, Date.now());
}

/** Jobs one cancel-all batch moves: D1 gives a statement at most 30 s, and each job also writes its timeline row and deliveries. */
export const CANCEL_CHUNK = 5_000;
/** Chunks one call takes (three statements each), within an invocation's 1,000 D1 statements: 1.5 million jobs. */
export const MAX_CANCEL_CHUNKS = 300;

/**
 * Moves the WAITING jobs of `scope` to CANCELED with their JOB.CANCELED deliveries in the same batch
 * (see transitionDeliveries: exactly the jobs moved get one per matching webhook), then queues the
 * deliveries. One job in one batch; a space, flow version or account in chunks of CANCEL_CHUNK by
 * id, each its own batch, among the jobs created by about `now` (a space still taking triggers
 * cannot keep it going). Returns how many jobs it canceled.
 */
export async function cancelWaiting(
  env: Env,
  shard: JobShard,
  scope: NamedScope,
  status: Status,
  note: string,
  now: number,
): Promise<number> {
  // An account's endpoints may be more than one statement binds: a deliveries statement per group.
  const groups = webhookGroups(await webhooksOfScope(directory(env), scope));
  const cancel = (jobs: TransitionScope) => cancelInBatch(env, shard, groups, jobs, status, note, now);
  if ("jobId" in scope) return cancel(scope);
  const { where, params } = jobsInScope(scope, 4);
  // Ids sort by creation time: the last one a minute past now (clocks of other isolates may run a
  // little ahead) ends the walk even while triggers keep adding waiting jobs to the scope.
  const last = `${newId(now + 60_000).slice(0, 10)}${"Z".repeat(16)}`;
  let canceled = 0;
  let after = "";
  for (let chunk = 0; chunk < MAX_CANCEL_CHUNKS; chunk++) {
    const chosen = await shard
      .prepare(`SELECT id FROM jobs WHERE state = 'WAITING' AND id > ?1 AND id <= ?2 AND ${where} ORDER BY id LIMIT ?3`)
      .bind(after, last, CANCEL_CHUNK, ...params)
      .all<{ id: string }>();
    const ids = chosen.results.map((row) => row.id);
    if (ids.length > 0) canceled += await cancel({ jobIds: ids });
    if (ids.length < CANCEL_CHUNK) break;
    after = ids[ids.length - 1];
  }
  return canceled;
}

/** One batch: the deliveries (a statement per group of endpoints), then the UPDATE, so both see the same waiting jobs. */
async function cancelInBatch(
  env: Env,
  shard: JobShard,
  groups: WebhookTarget[][],
  jobs: TransitionScope,
  status: Status,
  note: string,
  now: number,
): Promise<number> {
  const { where, params } = jobsInScope(jobs, 6);
  const results = await shard.batch<{ id: string }>([
    ...groups.map((webhooks) => transitionDeliveries(shard, webhooks, status.state, ["WAITING"], jobs, now)),
    shard.prepare(
      `UPDATE jobs SET state = ?1, status_code = ?2, status_message = ?3, transition_note = ?4, ended_at = ?5, updated_at = ?5
       WHERE state = 'WAITING' AND ${where} RETURNING id`,
    ).bind(status.state, status.code, status.message, note, now, ...params),
  ]);
  const canceled = results.pop()!;
  await enqueueDeliveries(env, shard, results.flatMap((deliveries) => deliveries.results.map((row) => row.id)));
  // Counted from RETURNING: D1's meta.changes also counts the timeline rows the trigger writes.
  return canceled.results.length;
}

/** Who stops a disabled account's running jobs, in their timeline ("Canceled at the request of …"). */
const DISABLED_BY = "the system (the account was disabled)";
const DISABLED_MESSAGE = "Canceled by the system: the account was disabled";

/**
 * Disabling an account (admin API): its WAITING jobs end CANCELED / JOB_SYSTEM_CANCELED with their
 * JOB.CANCELED webhooks, and its RUNNING jobs go CANCELING and their runners are told to stop (the
 * runner ends them CANCELED). The trigger INSERT already refuses the account, so no job can start
 * waiting after this; the watchdog forwards a cancel whose runner call failed here.
 */
export async function cancelJobsOfDisabledAccount(
  env: Env,
  shard: JobShard,
  accountId: string,
): Promise<{ canceled: number; stopping: number }> {
  const now = Date.now();
  const canceled = await cancelWaiting(
    env,
    shard,
    { accountId },
    statusForOutcome({ kind: "system-canceled", message: DISABLED_MESSAGE }),
    "Canceled while waiting: the account was disabled",
    now,
  );
  const running = await shard
    .prepare(
      `UPDATE jobs SET state = ?, status_code = ?, status_message = ?, transition_note = ?, updated_at = ?, cancel_requested_at = ?
       WHERE account_id = ? AND state = 'RUNNING' RETURNING id`,
    )
    .bind(CANCELING_STATUS.state, CANCELING_STATUS.code, CANCELING_STATUS.message, `Cancel requested by ${DISABLED_BY}`, now, now, accountId)
    .all<{ id: string }>();
  const ids = running.results.map((row) => row.id);
  // A few at a time: each is a Durable Object call, and a call that fails is the watchdog's to repeat.
  for (let start = 0; start < ids.length; start += 20) {
    const calls = ids.slice(start, start + 20).map((id) => runnerFor(env, id).requestCancel(DISABLED_BY, DISABLED_MESSAGE));
    for (const result of await Promise.allSettled(calls)) {
      if (result.status === "rejected") console.error("cancel of a disabled account's job failed; the watchdog forwards it", result.reason);
    }
  }
  return { canceled, stopping: ids.length };
}
