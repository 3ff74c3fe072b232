// The Job object of DESIGN.md §4.2, built from a job row (plus its rule's alias and its output).
import type { JobState, StatusCode } from "./states";

export interface JobRow {
  id: string;
  space_id: string;
  account_id: string;
  rule_id: string;
  rule_version: number;
  rule_alias: string | null;
  rule_type: string;
  correlation_id: string;
  used_api_key_id: string;
  input: string;
  output: string | null;
  state: JobState;
  status_code: StatusCode;
  status_message: string;
  error: string | null;
  created_at: number;
  updated_at: number;
  claimed_at: number | null;
  ended_at: number | null;
  steps: number;
  current_node: string | null;
  loop_node: string | null;
  loop_index: number | null;
  loop_length: number | null;
  execution_ms: number;
  idempotency_key: string | null;
  request_hash: string | null;
}

/**
 * The columns a Job object needs, with its output. Only integration flows run as jobs, so the type
 * is constant; the alias is the one the rule had when the job was triggered.
 */
export const JOB_COLUMNS = `jobs.id, jobs.space_id, jobs.account_id, jobs.rule_id, jobs.rule_version,
  jobs.rule_alias, 'integration-flow' AS rule_type, jobs.correlation_id, jobs.used_api_key_id, jobs.input,
  jobs.input_ref, job_outputs.output AS output, job_outputs.output_ref AS output_ref, jobs.state, jobs.status_code,
  jobs.status_message, jobs.error, jobs.created_at, jobs.updated_at, jobs.claimed_at, jobs.ended_at, jobs.steps,
  jobs.current_node, jobs.loop_node, jobs.loop_index, jobs.loop_length, jobs.execution_ms, jobs.idempotency_key,
  jobs.request_hash`;

export const JOB_FROM = `jobs LEFT JOIN job_outputs ON job_outputs.job_id = jobs.id`;

/** A job row as read from its shard: the payloads may still be R2 references (see loadJobRow). */
export interface StoredJobRow extends JobRow {
  input_ref: string | null;
  output_ref: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function jobView(row: JobRow) {
  // The summary's fields, with input, output, context and error in the order of DESIGN.md §4.2.
  const { jobId, correlationId, ruleReference, ...rest } = jobSummary(row);
  return {
    jobId,
    correlationId,
    inputData: JSON.parse(row.input) as Record<string, unknown>,
    output: row.state === "COMPLETED" && row.output !== null ? (JSON.parse(row.output) as unknown) : null,
    ruleReference,
    context: { spaceId: row.space_id, usedApiKeyId: row.used_api_key_id },
    ...rest,
    error: row.error === null ? null : (JSON.parse(row.error) as { node: string | null; message: string }),
  };
}

export type JobView = ReturnType<typeof jobView>;

/** The list's lighter shape: no input or output. */
export function jobSummary(row: Omit<JobRow, "input" | "output">) {
  return {
    jobId: row.id,
    correlationId: row.correlation_id,
    ruleReference: { baseId: row.rule_id, alias: row.rule_alias, version: row.rule_version, type: row.rule_type },
    status: { state: row.state, code: row.status_code, message: row.status_message },
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    claimedAt: iso(row.claimed_at),
    endedAt: iso(row.ended_at),
    progress: {
      steps: row.steps,
      currentNode: row.current_node,
      loop: row.loop_node === null ? null : { node: row.loop_node, index: row.loop_index ?? 0, length: row.loop_length },
    },
    usage: { executionMs: row.execution_ms },
  };
}
