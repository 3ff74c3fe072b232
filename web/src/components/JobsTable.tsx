import { A, useAction } from "@solidjs/router";
import { For, Show } from "solid-js";
import { cancelJob } from "../api/queries";
import type { JobSummary } from "../api/types";
import { formatDuration, formatSeconds, jobDurationMs } from "../lib/format";
import { isCancelable, isFinalState } from "../lib/states";
import { now } from "../lib/now";
import { ConfirmButton } from "./ConfirmButton";
import { IdText } from "./IdText";
import { JobStateBadge } from "./JobStateBadge";
import { LoopProgressBar } from "./LoopProgressBar";
import { Time } from "./Time";

/**
 * The jobs table; on a phone each row becomes a card (labels from data-label). Columns have fixed
 * widths (table-layout: fixed), so a state changing, a duration ticking or a Cancel button going
 * away never re-flows the table while live updates arrive.
 */
export function JobsTable(props: { jobs: JobSummary[]; onCanceled?: () => void; onError?: (error: unknown) => void }) {
  const cancel = useAction(cancelJob);
  const doCancel = async (jobId: string) => {
    try {
      await cancel(jobId);
      props.onCanceled?.();
    } catch (error) {
      props.onError?.(error);
    }
  };
  return (
    <div class="table-wrap">
      <table class="jobs-table">
        <colgroup>
          <col class="col-state" />
          <col class="col-job" />
          <col class="col-flow" />
          <col class="col-time" />
          <col class="col-time" />
          <col class="col-number" />
          <col class="col-number" />
          <col />
          <col class="col-actions" />
        </colgroup>
        <thead>
          <tr>
            <th>State</th>
            <th>Job</th>
            <th>Flow</th>
            <th>Created</th>
            <th>Started</th>
            <th class="ticking">Duration</th>
            <th class="ticking">Execution</th>
            <th>Correlation id</th>
            <th><span class="sr-only">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          <For each={props.jobs}>
            {(job) => (
              <tr data-job-id={job.jobId}>
                <td data-label="State">
                  <JobStateBadge state={job.status.state} />
                  {/* Only while it runs: where a stopped job stopped is on its page. */}
                  <LoopProgressBar loop={isFinalState(job.status.state) ? null : job.progress.loop} compact />
                </td>
                <td data-label="Job">
                  <A href={`/jobs/${job.jobId}`} class="id-link"><IdText id={job.jobId} /></A>
                </td>
                <td data-label="Flow" title={`${job.ruleReference.alias ?? job.ruleReference.baseId} v${job.ruleReference.version}`}>
                  {/* A name too long for its column is cut at its end, the version kept in view; the whole name is on hover. */}
                  <span class="flow-cell">
                    <A href={`/flows/${job.ruleReference.alias ?? job.ruleReference.baseId}`} class="flow-name">{job.ruleReference.alias ?? <IdText id={job.ruleReference.baseId} />}</A>{" "}
                    <span class="muted">v{job.ruleReference.version}</span>
                  </span>
                </td>
                <td data-label="Created"><Time at={job.createdAt} /></td>
                <td data-label="Started"><Time at={job.claimedAt} /></td>
                <td data-label="Duration" class="ticking">{formatDuration(jobDurationMs(job, now()))}</td>
                <td data-label="Execution" class="ticking">{formatSeconds(job.usage.executionMs / 1000)}</td>
                <td data-label="Correlation id"><IdText id={job.correlationId} /></td>
                <td class="actions">
                  <Show when={isCancelable(job.status.state)}>
                    <ConfirmButton label="Cancel" question="Cancel this job?" confirmLabel="Cancel job" onConfirm={() => doCancel(job.jobId)} />
                  </Show>
                </td>
              </tr>
            )}
          </For>
        </tbody>
      </table>
    </div>
  );
}
