// Job operations behind the API: start, read, cancel, cancel-all. Every query is scoped by the
// caller's space in the SQL itself; another space's job is the same 404 as no job.
import { periodOf } from "../billing/periods";
import { QUOTA_ALLOWS_START, quotaRefusal } from "../billing/usage";
import type { Env } from "../env";
import { BadRequest, Conflict, NotFound, Problem } from "../errors";
import type { Caller } from "../keys/keys";
import { sha256Hex } from "../lib/crypto";
import { newId } from "../lib/ids";
import { notPublished } from "../rules/service";
import { enqueueDeliveries, jobsInScope, transitionDeliveries, type TransitionScope } from "../webhooks/fanout";
import { runnerFor, sendTrigger } from "./dispatcher";
import { CANCELING_STATUS, SLOT_HOLDING_STATES, sqlStates, statusForOutcome, WAITING_STATUS, type Status } from "./states";
import { JOB_COLUMNS, JOB_FROM, jobView, type JobRow, type JobView } from "./view";

export interface StartRequest {
  flow: string;
  version?: number;
  input: Record<string, unknown>;
  idempotencyKey?: string;
  correlationId?: string;
}

interface StartTarget {
  rule_id: string;
  rule_type: string;
  rule_alias: string | null;
  version: number | null;
  status: string | null;
}

/**
 * The rule and the version a trigger names (the requested version, or the latest published one),
 * read only to explain a trigger the INSERT below did not accept.
 */
async function findStartTarget(db: D1Database, spaceId: string, flow: string, version: number | undefined) {
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

/** What the INSERT hands back: the version it resolved, and whether the account had a slot free. */
interface Inserted {
  rule_id: string;
  rule_version: number;
  rule_alias: string | null;
  slot_free: number;
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
 * The trigger's one statement: resolves the flow's published version, refuses a disabled account,
 * applies the quota gate and inserts the job, or inserts nothing (then `checkTarget`, the account
 * and the quota say why). ?17/?18 are the gate's.
 */
const INSERT_JOB = `INSERT INTO jobs (id, space_id, account_id, rule_id, rule_version, correlation_id, idempotency_key,
    request_hash, used_api_key_id, input, state, status_code, status_message, transition_note, created_at, updated_at)
  SELECT ?1, ?2, ?3, rules.id, rule_versions.version, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16
  FROM rules JOIN rule_versions ON rule_versions.rule_id = rules.id AND rule_versions.status = 'published'
    AND (?5 IS NULL OR rule_versions.version = ?5)
  WHERE rules.space_id = ?2 AND (rules.id = ?4 OR rules.alias = ?4) AND rules.type = 'integration-flow'
    AND NOT EXISTS (SELECT 1 FROM accounts WHERE accounts.id = ?3 AND accounts.disabled = 1)
    AND ${QUOTA_ALLOWS_START}
  ORDER BY rule_versions.version DESC LIMIT 1
  RETURNING rule_id, rule_version, (SELECT alias FROM rules WHERE rules.id = jobs.rule_id) AS rule_alias,
    (SELECT count(*) FROM jobs AS holding WHERE holding.account_id = ?3 AND holding.state IN (${sqlStates(SLOT_HOLDING_STATES)}))
      < (SELECT parallel_limit FROM accounts WHERE accounts.id = ?3) AS slot_free`;

export async function startJob(
  env: Env,
  caller: Caller,
  request: StartRequest,
  defer: (work: Promise<unknown>) => void = () => {},
): Promise<{ job: JobView; replayed: boolean }> {
  const inputText = JSON.stringify(request.input);
  const requestHash = request.idempotencyKey
    ? await sha256Hex(`${request.flow}\n${request.version ?? "latest"}\n${inputText}`)
    : null;
  const correlationId = request.correlationId ?? crypto.randomUUID();
  const note = `Triggered with key '${caller.keyName}'; waiting for a slot`;
  // A refusal is explained by reading what the INSERT checked; when nothing explains it (a version
  // was published or the quota raised in between), the INSERT runs again.
  for (let attempt = 1; ; attempt++) {
    const now = Date.now();
    const jobId = newId(now);
    let inserted: Inserted | null;
    try {
      inserted = await env.DB.prepare(INSERT_JOB)
        .bind(
          jobId,
          caller.spaceId,
          caller.accountId,
          request.flow,
          request.version ?? null,
          correlationId,
          request.idempotencyKey ?? null,
          requestHash,
          caller.keyId,
          inputText,
          WAITING_STATUS.state,
          WAITING_STATUS.code,
          WAITING_STATUS.message,
          note,
          now,
          now,
          caller.accountId,
          periodOf(now),
        )
        .first<Inserted>();
    } catch (error) {
      // The Idempotency-Key is taken (the unique index): answer with its job, as a replay.
      const previous = request.idempotencyKey ? await findByIdempotencyKey(env.DB, caller.spaceId, request.idempotencyKey) : null;
      if (!previous) throw error;
      return { job: replay(previous, requestHash!), replayed: true };
    }
    if (inserted) {
      // The job is durable in D1 now; the trigger need not hold up the answer (a lost one is re-sent
      // by the watchdog). With every slot taken there is nothing to claim: the job that frees a slot
      // sends its own trigger, and that claim sees this row.
      if (inserted.slot_free) defer(sendTrigger(env, { accountId: caller.accountId, reason: "created", jobId }));
      const row: JobRow = {
        id: jobId,
        space_id: caller.spaceId,
        account_id: caller.accountId,
        rule_id: inserted.rule_id,
        rule_version: inserted.rule_version,
        rule_alias: inserted.rule_alias,
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
        execution_ms: 0,
        idempotency_key: request.idempotencyKey ?? null,
        request_hash: requestHash,
      };
      return { job: jobView(row), replayed: false };
    }
    // Nothing inserted: say why, in the order a caller fixes things.
    const [target, previous, account] = await Promise.all([
      findStartTarget(env.DB, caller.spaceId, request.flow, request.version),
      request.idempotencyKey ? findByIdempotencyKey(env.DB, caller.spaceId, request.idempotencyKey) : null,
      env.DB.prepare("SELECT disabled FROM accounts WHERE id = ?").bind(caller.accountId).first<{ disabled: number }>(),
    ]);
    checkTarget(target, request);
    // A replay answers with a job created before the account was disabled; it creates nothing.
    if (previous) return { job: replay(previous, requestHash!), replayed: true };
    if (account?.disabled) throw new AccountDisabled();
    const refusal = await quotaRefusal(env, caller.accountId, now);
    if (refusal) throw refusal;
    if (attempt === 3) throw new Error("The job was not inserted, and neither the flow nor the quota says why");
  }
}

/** The problems of the flow a trigger names: unknown, not an integration flow, unknown version, unpublished. */
function checkTarget(target: StartTarget | null, request: StartRequest): asserts target is StartTarget {
  if (!target) throw new NotFound("rule", request.flow);
  if (target.rule_type !== "integration-flow") {
    throw new BadRequest(
      "rule-not-integration-flow",
      "Rule is not an integration flow",
      `Rule '${request.flow}' is a ${target.rule_type}; only integration flows run as jobs.`,
    );
  }
  if (request.version !== undefined && target.version === null) {
    throw new NotFound("rule-version", `${request.flow}/${request.version}`);
  }
  if (target.version === null || target.status !== "published") throw notPublished(request.flow, request.version);
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

async function findByIdempotencyKey(db: D1Database, spaceId: string, key: string) {
  return db
    .prepare(`SELECT ${JOB_COLUMNS} FROM ${JOB_FROM} WHERE jobs.space_id = ? AND jobs.idempotency_key = ?`)
    .bind(spaceId, key)
    .first<JobRow>();
}

export async function loadJobRow(db: D1Database, spaceId: string, jobId: string): Promise<JobRow> {
  const row = await db
    .prepare(`SELECT ${JOB_COLUMNS} FROM ${JOB_FROM} WHERE jobs.id = ? AND jobs.space_id = ?`)
    .bind(jobId, spaceId)
    .first<JobRow>();
  if (!row) throw new NotFound("job", jobId);
  return row;
}

export async function getJob(env: Env, spaceId: string, jobId: string): Promise<JobView> {
  return jobView(await loadJobRow(env.DB, spaceId, jobId));
}

/**
 * Cancels a job: a WAITING job becomes CANCELED at once (it never starts: the dispatcher only claims
 * WAITING jobs); a RUNNING one becomes CANCELING and its runner is told directly.
 */
export async function cancelJob(env: Env, caller: Caller, jobId: string): Promise<JobView> {
  const row = await loadJobRow(env.DB, caller.spaceId, jobId);
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
        { jobId, spaceId: caller.spaceId },
        statusForOutcome({ kind: "user-canceled" }),
        `Canceled while waiting, by ${by}`,
        now,
      );
      // Lost a race with the dispatcher's claim: the job is running now, cancel it as such.
      if (canceled === 0) return cancelJob(env, caller, jobId);
      return getJob(env, caller.spaceId, jobId);
    }
    case "RUNNING":
    case "CANCELING": {
      // cancel_requested_at lets the watchdog forward a cancel whose call below failed.
      await env.DB.prepare(
        `UPDATE jobs SET state = ?, status_code = ?, status_message = ?, transition_note = ?, updated_at = ?, cancel_requested_at = ?
         WHERE id = ? AND state = 'RUNNING'`,
      )
        .bind(CANCELING_STATUS.state, CANCELING_STATUS.code, CANCELING_STATUS.message, `Cancel requested by ${by}`, now, now, jobId)
        .run();
      await runnerFor(env, jobId).requestCancel(by);
      return getJob(env, caller.spaceId, jobId);
    }
  }
}

/** Cancels every WAITING job of the space (optionally of one flow version): one UPDATE. */
export async function cancelAllWaiting(
  env: Env,
  caller: Caller,
  scope: { ruleId: string; version: number } | null,
): Promise<number> {
  const note = `Canceled while waiting, by cancel-all of key '${caller.keyName}'`;
  const jobs: TransitionScope = scope
    ? { spaceId: caller.spaceId, ruleId: scope.ruleId, ruleVersion: scope.version }
    : { spaceId: caller.spaceId };
  return cancelWaiting(env, jobs, statusForOutcome({ kind: "user-canceled" }), note, Date.now());
}

/**
 * Moves the WAITING jobs of `scope` to CANCELED with their JOB.CANCELED deliveries in the same batch
 * (see transitionDeliveries: exactly the jobs moved get one per matching webhook), then queues the
 * deliveries. Returns how many jobs it canceled.
 */
async function cancelWaiting(env: Env, scope: TransitionScope, status: Status, note: string, now: number): Promise<number> {
  const { where, params } = jobsInScope(scope, 6);
  const [deliveries, canceled] = await env.DB.batch<{ id: string }>([
    transitionDeliveries(env.DB, status.state, ["WAITING"], scope, now),
    env.DB.prepare(
      `UPDATE jobs SET state = ?1, status_code = ?2, status_message = ?3, transition_note = ?4, ended_at = ?5, updated_at = ?5
       WHERE state = 'WAITING' AND ${where} RETURNING id`,
    ).bind(status.state, status.code, status.message, note, now, ...params),
  ]);
  await enqueueDeliveries(env, deliveries.results.map((row) => row.id));
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
export async function cancelJobsOfDisabledAccount(env: Env, accountId: string): Promise<{ canceled: number; stopping: number }> {
  const now = Date.now();
  const canceled = await cancelWaiting(
    env,
    { accountId },
    statusForOutcome({ kind: "system-canceled", message: DISABLED_MESSAGE }),
    "Canceled while waiting: the account was disabled",
    now,
  );
  const running = await env.DB.prepare(
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
