// The jobs list: newest first with keyset pagination on the ULID primary key, so every page is an
// index range scan whatever the filters (see the jobs_by_* indexes in the schema).
import { directory, jobShard, type JobShard } from "../db/databases";
import type { Env } from "../env";
import type { Caller } from "../keys/keys";
import { idFloorForTime } from "../lib/ids";
import { findRule } from "../rules/service";
import { JOB_STATES, type JobState } from "./states";
import { jobSummary, type JobRow } from "./view";

export interface JobFilters {
  states?: JobState[];
  flow?: string;
  version?: number;
  q?: string;
  from?: number;
  to?: number;
  cursor?: string;
  limit: number;
}

const SUMMARY_COLUMNS = `jobs.id, jobs.space_id, jobs.account_id, jobs.rule_id, jobs.rule_version,
  jobs.rule_alias, 'integration-flow' AS rule_type, jobs.correlation_id, jobs.used_api_key_id,
  jobs.state, jobs.status_code, jobs.status_message, jobs.error, jobs.created_at, jobs.updated_at,
  jobs.claimed_at, jobs.ended_at, jobs.steps, jobs.current_node, jobs.loop_node, jobs.loop_index, jobs.loop_length, jobs.execution_ms,
  jobs.idempotency_key, jobs.request_hash`;

type Clause = { where: string[]; params: unknown[] };

/** The list's filters with the flow resolved to its rule id (rules live in the directory). */
type ShardFilters = Omit<JobFilters, "flow" | "cursor" | "limit"> & { ruleId?: string };

/**
 * The filters as the shard takes them: a flow named by id or alias is resolved in the directory
 * first (an unknown flow is a 404 `rule-not-found`, not an empty list).
 */
async function resolveFilters(env: Env, spaceId: string, filters: Omit<JobFilters, "cursor" | "limit">): Promise<ShardFilters> {
  const { flow, ...rest } = filters;
  if (flow === undefined) return rest;
  return { ...rest, ruleId: (await findRule(directory(env).orm(), spaceId, flow)).id };
}

/** The WHERE terms every filter of the list shares (space, states, flow and version, search, times). */
function filterClause(spaceId: string, filters: ShardFilters): Clause {
  const where = ["jobs.space_id = ?"];
  const params: unknown[] = [spaceId];
  if (filters.states?.length) {
    where.push(`jobs.state IN (${filters.states.map(() => "?").join(", ")})`);
    params.push(...filters.states);
  }
  if (filters.ruleId !== undefined) {
    where.push("jobs.rule_id = ?");
    params.push(filters.ruleId);
    if (filters.version !== undefined) {
      where.push("jobs.rule_version = ?");
      params.push(filters.version);
    }
  }
  if (filters.q) {
    // Two index lookups (primary key, space + correlation id); an OR would scan the space's rows.
    where.push("jobs.id IN (SELECT id FROM jobs WHERE space_id = ? AND correlation_id = ? UNION ALL SELECT ?)");
    params.push(spaceId, filters.q, filters.q.toUpperCase());
  }
  if (filters.from !== undefined) {
    where.push("jobs.id >= ?");
    params.push(idFloorForTime(filters.from));
  }
  if (filters.to !== undefined) {
    where.push("jobs.id < ?");
    params.push(idFloorForTime(filters.to + 1));
  }
  return { where, params };
}

/** A page of the caller's space's jobs, from the caller's shard. */
export async function listJobs(env: Env, caller: Caller, filters: JobFilters) {
  const { spaceId } = caller;
  const { where, params } = filterClause(spaceId, await resolveFilters(env, spaceId, filters));
  if (filters.cursor) {
    where.push("jobs.id < ?");
    params.push(filters.cursor);
  }
  const rows = await jobShard(env, caller.shard)
    .prepare(`SELECT ${SUMMARY_COLUMNS} FROM jobs WHERE ${where.join(" AND ")} ORDER BY jobs.id DESC LIMIT ?`)
    .bind(...params, filters.limit + 1)
    .all<Omit<JobRow, "input" | "output">>();
  const page = rows.results.slice(0, filters.limit);
  return {
    items: page.map(jobSummary),
    nextCursor: rows.results.length > filters.limit ? page[page.length - 1].id : null,
  };
}

/**
 * How many jobs are in each state under the same filters, counted up to `cap` (then `more`): one
 * statement of bounded index scans on (space, state, id), so a space of millions costs at most
 * `cap + 1` index entries per state.
 */
export async function countJobs(env: Env, caller: Caller, filters: Omit<JobFilters, "states" | "cursor" | "limit">, cap: number) {
  const { spaceId } = caller;
  const { where, params } = filterClause(spaceId, await resolveFilters(env, spaceId, filters));
  const perState = `SELECT count(*) FROM (SELECT 1 FROM jobs WHERE ${where.join(" AND ")} AND jobs.state = ? LIMIT ?)`;
  const row = await jobShard(env, caller.shard)
    .prepare(`SELECT ${JOB_STATES.map((_, index) => `(${perState}) AS n${index}`).join(", ")}`)
    .bind(...JOB_STATES.flatMap((state) => [...params, state, cap + 1]))
    .first<Record<string, number>>();
  return Object.fromEntries(
    JOB_STATES.map((state, index) => {
      const n = row?.[`n${index}`] ?? 0;
      return [state, { count: Math.min(n, cap), more: n > cap }];
    }),
  ) as Record<JobState, { count: number; more: boolean }>;
}

/** The timeline of a job already found in the caller's space (loadJobRow). */
export async function jobEvents(shard: JobShard, jobId: string) {
  const rows = await shard
    .prepare("SELECT seq, at, state, status_code, description FROM job_events WHERE job_id = ? ORDER BY seq")
    .bind(jobId)
    .all<{ seq: number; at: number; state: string; status_code: string; description: string }>();
  return rows.results.map((row) => ({
    at: new Date(row.at).toISOString(),
    state: row.state,
    code: row.status_code,
    description: row.description,
  }));
}
