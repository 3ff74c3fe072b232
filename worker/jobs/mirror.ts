// The runner's writes to D1: progress and heartbeat after each slice, and the final transition.
// Both set absolute values and are conditional on the current state, so a retried mirror is harmless
// and a final state is never overwritten.
import { chargeStatement, rollUpStatements } from "../billing/charge";
import type { JobShard } from "../db/databases";
import type { LoopPosition } from "../flow/engine";
import type { StoredPayload } from "./payloads";
import type { Control, RunnerHeader } from "./runner-storage";
import { SLOT_HOLDING_STATES, sqlStates, statesBefore } from "./states";

/**
 * A running job writes D1 on its transitions and at most this often in between (DESIGN.md §12: one
 * D1 database runs one statement at a time, so per-slice mirrors of many jobs would saturate it).
 */
export const DEFAULT_MIRROR_INTERVAL_MS = 15_000;

export function mirrorIntervalMs(env: { MIRROR_INTERVAL_MS?: string }): number {
  const configured = Number(env.MIRROR_INTERVAL_MS);
  return Number.isFinite(configured) && configured >= 0 && env.MIRROR_INTERVAL_MS ? configured : DEFAULT_MIRROR_INTERVAL_MS;
}

export interface Progress {
  steps: number;
  currentNode: string | null;
  /** The outermost loop's position; its columns ride on the progress statement, adding no write. */
  loop: LoopPosition | null;
}

export async function mirrorProgress(db: JobShard, init: RunnerHeader, control: Control, progress: Progress, now: number) {
  await db.batch([
    db
      .prepare(
        `UPDATE jobs SET steps = ?, current_node = ?, loop_node = ?, loop_index = ?, loop_length = ?, execution_ms = ?,
           heartbeat_at = ?, sleeping_until = ?, updated_at = ?
         WHERE id = ? AND state IN (${sqlStates(SLOT_HOLDING_STATES)})`,
      )
      .bind(progress.steps, progress.currentNode, ...loopColumns(progress), control.executionMs, now, control.sleepingUntil, now, init.jobId),
    ...charges(db, init, control),
  ]);
}

/** loop_node, loop_index, loop_length: all null outside a loop. */
function loopColumns({ loop }: Progress): [string | null, number | null, number | null] {
  return loop ? [loop.node, loop.index, loop.length] : [null, null, null];
}

/**
 * The slices executed since the last mirror, charged in the same batch as the progress they made,
 * in the order of their keys (a charge is refused once the job has a row keyed at or after it).
 */
function charges(db: JobShard, init: RunnerHeader, control: Control) {
  return [...control.pendingCharges]
    .sort((a, b) => a.slice - b.slice)
    .map((charge) => chargeStatement(db, { jobId: init.jobId, accountId: init.accountId, spaceId: init.spaceId, ...charge }));
}

/**
 * Writes the final transition, the last charges and the ledger's roll-up, the output (of a completed
 * job; a large one is in R2 already and only its key is written) and the webhook deliveries in one
 * batch; returns the ids of the deliveries this call created (none when a retry finds them made already).
 */
export async function mirrorFinal(
  db: JobShard,
  init: RunnerHeader,
  control: Control,
  output: StoredPayload | null,
  progress: Progress,
  note: string,
  deliveries: D1PreparedStatement[],
): Promise<{ deliveries: string[]; othersWaiting: boolean }> {
  const final = control.final;
  if (!final) throw new Error("mirrorFinal called before the job ended");
  const statements = [
    db
      .prepare(
        `UPDATE jobs SET state = ?, status_code = ?, status_message = ?, transition_note = ?, error = ?,
           ended_at = ?, updated_at = ?, steps = ?, current_node = ?, loop_node = ?, loop_index = ?, loop_length = ?,
           execution_ms = ?, heartbeat_at = ?, sleeping_until = NULL
         WHERE id = ? AND state IN (${sqlStates(statesBefore(final.status.state))}) RETURNING id`,
      )
      .bind(
        final.status.state,
        final.status.code,
        final.status.message,
        note,
        final.error ? JSON.stringify(final.error) : null,
        final.endedAt,
        final.endedAt,
        progress.steps,
        progress.currentNode,
        ...loopColumns(progress),
        control.executionMs,
        final.endedAt,
        init.jobId,
      ),
  ];
  statements.push(...charges(db, init, control), ...rollUpStatements(db, init.jobId));
  if (final.status.state === "COMPLETED" && output) {
    statements.push(
      db
        .prepare("INSERT INTO job_outputs (job_id, output, output_ref) VALUES (?, ?, ?) ON CONFLICT (job_id) DO NOTHING")
        .bind(init.jobId, output.text, output.ref),
    );
  }
  // Read in the same transaction, after the job left its slot: does another job of the account wait
  // for it? If not, no trigger is needed — a job inserted from now on sees the free slot itself.
  statements.push(
    db.prepare("SELECT EXISTS (SELECT 1 FROM jobs WHERE account_id = ? AND state = 'WAITING') AS id").bind(init.accountId),
  );
  const results = await db.batch<{ id: string }>([...deliveries, ...statements]);
  return {
    deliveries: results.slice(0, deliveries.length).flatMap((result) => result.results.map((row) => row.id)),
    othersWaiting: Boolean(results[results.length - 1].results[0]?.id),
  };
}
