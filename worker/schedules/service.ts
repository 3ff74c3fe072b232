// Schedules of a space: a flow started at the times a 5-field cron pattern names, in a time zone,
// with a fixed input — create, list, read, update, delete — and the cron pass that fires them
// (fireDueSchedules, run every minute by the Worker's scheduled handler). A firing is a trigger like
// any other (the quota gate, the slot limit, the queue): its Idempotency-Key is the schedule and the
// slot, so a slot fired twice makes one job. Patterns are read by croner.
import { Cron } from "croner";
import { and, eq } from "drizzle-orm";
import { directory } from "../db/databases";
import { schedules } from "../db/directory-schema";
import type { Env } from "../env";
import { NotFound, Problem, type FieldError } from "../errors";
import type { Caller } from "../keys/keys";
import { newId } from "../lib/ids";
import { startJob } from "../jobs/service";
import { findRule, findVersion } from "../rules/service";
import { insertWithRoom } from "../tenancy/caps";

/** A schedule's input is stored in the directory with it: kept small, unlike a trigger's (1 MiB). */
export const MAX_SCHEDULE_INPUT_BYTES = 64 * 1024;
/** Schedules fired per pass (each a trigger: a few statements); a longer backlog fires in the next minute. */
export const SCHEDULES_PER_PASS = 50;

type ScheduleRow = typeof schedules.$inferSelect;

export interface NewSchedule {
  name: string;
  /** A flow of the space, by id or alias. */
  flow: string;
  /** A version number; absent: the latest published version at each firing. */
  version?: number;
  cron: string;
  /** An IANA time zone the pattern is read in (default UTC). */
  timezone?: string;
  input?: Record<string, unknown>;
  enabled?: boolean;
}

export type SchedulePatch = Partial<Omit<NewSchedule, "version">> & { version?: number | null };

/** A body that parsed but names no time, zone or flow a schedule can use: 422 invalid-body, each field named. */
export class InvalidSchedule extends Problem {
  constructor(errors: FieldError[]) {
    super(422, "invalid-body", "Invalid request body", "The request body does not match the schema.", errors);
  }
}

/**
 * The first slot of `cron` in `timezone` strictly after `after` (epoch ms), or null when there is
 * none (a pattern that names no date, such as 30 February). Five fields, minute precision.
 */
export function nextSlot(cron: string, timezone: string, after: number): number | null {
  return new Cron(cron, { timezone, mode: "5-part", paused: true }).nextRun(new Date(after))?.getTime() ?? null;
}

function checkTiming(cron: string, timezone: string, now: number): FieldError[] {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
  } catch {
    return [{ path: "json.timezone", message: `'${timezone}' is not an IANA time zone (such as "UTC" or "Europe/Prague")` }];
  }
  try {
    if (nextSlot(cron, timezone, now) === null) return [{ path: "json.cron", message: `'${cron}' names no time that will come` }];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return [{ path: "json.cron", message: `'${cron}' is not a 5-field cron pattern (minute hour day-of-month month day-of-week): ${reason}` }];
  }
  return [];
}

function checkInput(input: Record<string, unknown>): FieldError[] {
  const bytes = new TextEncoder().encode(JSON.stringify(input)).byteLength;
  return bytes > MAX_SCHEDULE_INPUT_BYTES ? [{ path: "json.input", message: `is ${bytes} bytes as JSON; a schedule's input is at most ${MAX_SCHEDULE_INPUT_BYTES} bytes` }] : [];
}

/** The integration flow (and version) a schedule names, or the field errors saying why it cannot be run. */
async function resolveFlow(env: Env, spaceId: string, flow: string, version: number | null): Promise<{ ruleId: string } | FieldError[]> {
  const db = directory(env).orm();
  try {
    const rule = await findRule(db, spaceId, flow);
    if (rule.type !== "integration-flow") {
      return [{ path: "json.flow", message: `'${flow}' is a ${rule.type}; only an integration flow runs as a job` }];
    }
    if (version !== null) await findVersion(db, rule, version);
    return { ruleId: rule.id };
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
    return version !== null && error.type === "rule-version-not-found"
      ? [{ path: "json.version", message: `flow '${flow}' has no version ${version}` }]
      : [{ path: "json.flow", message: `no flow '${flow}' in this space` }];
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function view(row: ScheduleRow) {
  return {
    id: row.id,
    name: row.name,
    flow: row.flow,
    ruleId: row.ruleId,
    version: row.version,
    cron: row.cron,
    timezone: row.timezone,
    input: JSON.parse(row.input) as Record<string, unknown>,
    enabled: row.enabled,
    nextRunAt: iso(row.nextRunAt),
    lastRunAt: iso(row.lastRunAt),
    lastJobId: row.lastJobId,
    lastError: row.lastError,
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
  };
}
export type ScheduleView = ReturnType<typeof view>;

export async function createSchedule(env: Env, spaceId: string, input: NewSchedule, now = Date.now()): Promise<ScheduleView> {
  const timezone = input.timezone ?? "UTC";
  const jobInput = input.input ?? {};
  const enabled = input.enabled ?? true;
  const errors = [...checkTiming(input.cron, timezone, now), ...checkInput(jobInput)];
  const target = await resolveFlow(env, spaceId, input.flow, input.version ?? null);
  if (Array.isArray(target)) errors.push(...target);
  if (errors.length > 0 || Array.isArray(target)) throw new InvalidSchedule(errors);
  const row: ScheduleRow = {
    id: newId(now),
    spaceId,
    name: input.name,
    flow: input.flow,
    ruleId: target.ruleId,
    version: input.version ?? null,
    cron: input.cron,
    timezone,
    input: JSON.stringify(jobInput),
    enabled,
    nextRunAt: enabled ? nextSlot(input.cron, timezone, now) : null,
    lastRunAt: null,
    lastJobId: null,
    lastError: null,
    createdAt: now,
    updatedAt: now,
  };
  await insertWithRoom(directory(env), schedules, row, "schedules");
  return view(row);
}

export async function listSchedules(env: Env, spaceId: string): Promise<ScheduleView[]> {
  const rows = await directory(env).orm().query.schedules.findMany({ where: eq(schedules.spaceId, spaceId), orderBy: schedules.id });
  return rows.map(view);
}

async function load(env: Env, spaceId: string, id: string): Promise<ScheduleRow> {
  const row = await directory(env)
    .orm()
    .query.schedules.findFirst({ where: and(eq(schedules.id, id), eq(schedules.spaceId, spaceId)) });
  if (!row) throw new NotFound("schedule", id);
  return row;
}

export async function getSchedule(env: Env, spaceId: string, id: string): Promise<ScheduleView> {
  return view(await load(env, spaceId, id));
}

/**
 * Changes any field. A new pattern or time zone, and enabling, take the next slot after now;
 * disabling clears it. The last firing's record (lastRunAt, lastJobId, lastError) is kept.
 */
export async function updateSchedule(env: Env, spaceId: string, id: string, patch: SchedulePatch, now = Date.now()): Promise<ScheduleView> {
  const row = await load(env, spaceId, id);
  const cron = patch.cron ?? row.cron;
  const timezone = patch.timezone ?? row.timezone;
  const flow = patch.flow ?? row.flow;
  const version = patch.version === undefined ? row.version : patch.version;
  const enabled = patch.enabled ?? row.enabled;
  const errors = [...checkTiming(cron, timezone, now), ...(patch.input ? checkInput(patch.input) : [])];
  // The flow is checked again only when it changes: a schedule whose flow became a decision flow can
  // still be paused, renamed or deleted (its firings say why they start nothing).
  const retargeted = patch.flow !== undefined || patch.version !== undefined;
  const target = retargeted ? await resolveFlow(env, spaceId, flow, version) : { ruleId: row.ruleId };
  if (Array.isArray(target)) errors.push(...target);
  if (errors.length > 0 || Array.isArray(target)) throw new InvalidSchedule(errors);
  const retimed = cron !== row.cron || timezone !== row.timezone || (enabled && !row.enabled);
  const updated: ScheduleRow = {
    ...row,
    name: patch.name ?? row.name,
    flow,
    ruleId: target.ruleId,
    version,
    cron,
    timezone,
    input: patch.input ? JSON.stringify(patch.input) : row.input,
    enabled,
    nextRunAt: !enabled ? null : retimed ? nextSlot(cron, timezone, now) : row.nextRunAt,
    updatedAt: now,
  };
  // Only over the row as read: a pass that fired it meanwhile moved nextRunAt on, and this change
  // is then refused rather than putting back the slot it fired.
  const written = await directory(env)
    .prepare(
      `UPDATE schedules SET name = ?, flow = ?, rule_id = ?, version = ?, cron = ?, timezone = ?, input = ?, enabled = ?, next_run_at = ?, updated_at = ?
       WHERE id = ? AND space_id = ? AND updated_at = ? AND next_run_at IS ?`,
    )
    .bind(updated.name, flow, target.ruleId, version, cron, timezone, updated.input, enabled ? 1 : 0, updated.nextRunAt, now, id, spaceId, row.updatedAt, row.nextRunAt)
    .run();
  if (written.meta.changes === 0) {
    throw new Problem(409, "schedule-changed", "Schedule changed meanwhile", `Schedule ${id} was fired or changed while this change was made; read it again and repeat the change.`);
  }
  return view(updated);
}

export async function deleteSchedule(env: Env, spaceId: string, id: string): Promise<void> {
  const deleted = await directory(env).prepare("DELETE FROM schedules WHERE id = ? AND space_id = ?").bind(id, spaceId).run();
  if (deleted.meta.changes === 0) throw new NotFound("schedule", id);
}

/**
 * Starts the schedule's flow now, with its input, as a firing would (the schedule's own caller, so
 * the job is the schedule's), a new job each time. Its slots are left as they were: nextRunAt,
 * lastRunAt and lastJobId stay the pattern's. Refusals are the trigger's (402, 403, 404, …).
 */
export async function runScheduleNow(env: Env, by: Caller, id: string, defer: (work: Promise<unknown>) => void, now = Date.now()) {
  const row = await load(env, by.spaceId, id);
  const caller: Caller = { ...by, keyId: row.id, keyName: row.name };
  return startJob(
    env,
    caller,
    {
      flow: row.ruleId,
      version: row.version ?? undefined,
      input: JSON.parse(row.input) as Record<string, unknown>,
      triggeredBy: `by schedule '${row.name}', run now with key '${by.keyName}' at ${new Date(now).toISOString()}`,
    },
    defer,
  );
}

interface DueSchedule {
  id: string;
  space_id: string;
  account_id: string;
  shard: string;
  name: string;
  rule_id: string;
  version: number | null;
  cron: string;
  timezone: string;
  input: string;
  next_run_at: number;
}

/** Due schedules, the longest overdue first (schedules_due), with their account's shard. */
export const DUE_SQL = `SELECT s.id, s.space_id, sp.account_id, a.shard, s.name, s.rule_id, s.version, s.cron, s.timezone, s.input, s.next_run_at
  FROM schedules s JOIN spaces sp ON sp.id = s.space_id JOIN accounts a ON a.id = sp.account_id
  WHERE s.next_run_at IS NOT NULL AND s.next_run_at <= ?
  ORDER BY s.next_run_at LIMIT ?`;

export interface CronPassReport {
  /** Schedules whose slot started (or, fired before, replayed) a job. */
  fired: string[];
  /** Schedules whose slot the trigger refused (the reason is their lastError). */
  refused: string[];
}

/**
 * Fires every schedule whose slot has come (at most `limit`), each one on its own: a trigger per
 * schedule, as the schedule's own caller, then the schedule moved to its first slot after `now` —
 * slots missed while no pass ran are not made up, the overdue one fires once. A refusal (free seconds
 * used up, the account disabled, no published version) is kept as the schedule's lastError, and
 * the schedule moves on all the same; an unexpected failure leaves it due for the next pass.
 * `defer` gets the work a trigger does after its answer (the claim, the runner's start).
 */
export async function fireDueSchedules(env: Env, now = Date.now(), defer: (work: Promise<unknown>) => void = () => {}, limit = SCHEDULES_PER_PASS): Promise<CronPassReport> {
  const report: CronPassReport = { fired: [], refused: [] };
  const due = await directory(env).prepare(DUE_SQL).bind(now, limit).all<DueSchedule>();
  for (const schedule of due.results) {
    try {
      await fire(env, schedule, now, defer, report);
    } catch (error) {
      console.error(`cron pass: schedule ${schedule.id} failed; it stays due for the next pass`, error);
    }
  }
  return report;
}

async function fire(env: Env, schedule: DueSchedule, now: number, defer: (work: Promise<unknown>) => void, report: CronPassReport) {
  const slot = schedule.next_run_at;
  const caller: Caller = { keyId: schedule.id, keyName: schedule.name, kind: "solver", spaceId: schedule.space_id, accountId: schedule.account_id, shard: schedule.shard };
  let jobId: string | null = null;
  let refusal: string | null = null;
  try {
    const started = await startJob(
      env,
      caller,
      {
        flow: schedule.rule_id,
        version: schedule.version ?? undefined,
        input: JSON.parse(schedule.input) as Record<string, unknown>,
        idempotencyKey: `schedule:${schedule.id}:${slot}`,
        triggeredBy: `by schedule '${schedule.name}' for ${new Date(slot).toISOString()}`,
      },
      defer,
    );
    jobId = started.job.jobId;
  } catch (error) {
    if (!(error instanceof Problem)) throw error;
    refusal = `${error.status} ${error.type}: ${error.detail}`;
  }
  const next = nextSlot(schedule.cron, schedule.timezone, Math.max(now, slot));
  // Only over the slot fired: a change made meanwhile (updateSchedule) wins, and nothing is fired twice.
  await directory(env)
    .prepare(
      `UPDATE schedules SET next_run_at = ?, last_run_at = ?, last_job_id = coalesce(?, last_job_id), last_error = ?, updated_at = ?
       WHERE id = ? AND next_run_at = ?`,
    )
    .bind(next, slot, jobId, refusal, now, schedule.id, slot)
    .run();
  (refusal === null ? report.fired : report.refused).push(schedule.id);
}
