// The jobs list: newest first with keyset pagination on the ULID primary key, so every page is an
// index range scan whatever the filters (see the jobs_by_* indexes in the schema).
import type { Env } from "../env";
import { database } from "../db/client";
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
  rules.alias AS rule_alias, rules.type AS rule_type, jobs.correlation_id, jobs.used_api_key_id,
  jobs.state, jobs.status_code, jobs.status_message, jobs.error, jobs.created_at, jobs.updated_at,
  jobs.claimed_at, jobs.ended_at, jobs.steps, jobs.current_node, jobs.execution_ms,
  jobs.idempotency_key, jobs.request_hash`;

type Clause = { where: string[]; params: unknown[] };

/**
 * The WHERE terms every filter of the list shares (space, states, flow and version, search, times).
 * The flow (an id or alias) is resolved inside the statement, so a filtered page is one round trip;
 * only an empty answer asks whether the flow exists at all (`flowMustExist`).
 */
function filterClause(spaceId: string, filters: Omit<JobFilters, "cursor" | "limit">): Clause {
  const where = ["jobs.space_id = ?"];
  const params: unknown[] = [spaceId];
  if (filters.states?.length) {
    where.push(`jobs.state IN (${filters.states.map(() => "?").join(", ")})`);
    params.push(...filters.states);
  }
  if (filters.flow !== undefined) {
    where.push("jobs.rule_id = (SELECT id FROM rules WHERE space_id = ? AND (id = ? OR alias = ?))");
    params.push(spaceId, filters.flow, filters.flow);
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

/** An unknown flow is a 404 `rule-not-found`, not an empty list. */
async function flowMustExist(env: Env, spaceId: string, flow: string | undefined) {
  if (flow !== undefined) await findRule(database(env.DB), spaceId, flow);
}

export async function listJobs(env: Env, spaceId: string, filters: JobFilters) {
  const { where, params } = filterClause(spaceId, filters);
  if (filters.cursor) {
    where.push("jobs.id < ?");
    params.push(filters.cursor);
  }
  const rows = await env.DB.prepare(
    `SELECT ${SUMMARY_COLUMNS} FROM jobs JOIN rules ON rules.id = jobs.rule_id
     WHERE ${where.join(" AND ")} ORDER BY jobs.id DESC LIMIT ?`,
  )
    .bind(...params, filters.limit + 1)
    .all<Omit<JobRow, "input" | "output">>();
  if (rows.results.length === 0) await flowMustExist(env, spaceId, filters.flow);
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
export async function countJobs(env: Env, spaceId: string, filters: Omit<JobFilters, "states" | "cursor" | "limit">, cap: number) {
  const { where, params } = filterClause(spaceId, filters);
  const perState = `SELECT count(*) FROM (SELECT 1 FROM jobs WHERE ${where.join(" AND ")} AND jobs.state = ? LIMIT ?)`;
  const row = await env.DB.prepare(`SELECT ${JOB_STATES.map((_, index) => `(${perState}) AS n${index}`).join(", ")}`)
    .bind(...JOB_STATES.flatMap((state) => [...params, state, cap + 1]))
    .first<Record<string, number>>();
  if (JOB_STATES.every((_, index) => !row?.[`n${index}`])) await flowMustExist(env, spaceId, filters.flow);
  return Object.fromEntries(
    JOB_STATES.map((state, index) => {
      const n = row?.[`n${index}`] ?? 0;
      return [state, { count: Math.min(n, cap), more: n > cap }];
    }),
  ) as Record<JobState, { count: number; more: boolean }>;
}

export async function jobEvents(env: Env, jobId: string) {
  const rows = await env.DB.prepare(
    "SELECT seq, at, state, status_code, description FROM job_events WHERE job_id = ? ORDER BY seq",
  )
    .bind(jobId)
    .all<{ seq: number; at: number; state: string; status_code: string; description: string }>();
  return rows.results.map((row) => ({
    at: new Date(row.at).toISOString(),
    state: row.state,
    code: row.status_code,
    description: row.description,
  }));
}
