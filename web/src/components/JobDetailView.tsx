import { A, createAsync, useAction, useNavigate } from "@solidjs/router";
import { createMemo, createSignal, Show } from "solid-js";
import { cancelJob, getRuleVersion, runAgain } from "../api/queries";
import type { FlowDefinition } from "../api/types";
import { formatDuration, formatSeconds, jobDurationMs } from "../lib/format";
import { createLiveJob } from "../lib/live-job";
import { loopUnit } from "../lib/loop-progress";
import { now } from "../lib/now";
import { isCancelable, isFinalState } from "../lib/states";
import { ConfirmButton } from "./ConfirmButton";
import { FlowGraph } from "./FlowGraph";
import { IdText } from "./IdText";
import { JobStateBadge } from "./JobStateBadge";
import { JobTimeline } from "./JobTimeline";
import { JsonView } from "./JsonView";
import { LogStream } from "./LogStream";
import { LoopProgressBar } from "./LoopProgressBar";
import { ProblemMessage } from "./ProblemMessage";
import { Time } from "./Time";

/** Everything about one job, kept live while it runs. `hrefFor` links to another job (Run again). */
export function JobDetailView(props: { jobId: string; hrefFor?: (jobId: string) => string }) {
  const live = createLiveJob(() => props.jobId);
  const navigate = useNavigate();
  const cancel = useAction(cancelJob);
  const again = useAction(runAgain);
  const [actionError, setActionError] = createSignal<unknown>();
  // Compared by id and version, so a live update (a new job object, the same flow version) does not
  // read the flow again: a fresh read would suspend the page and reset what it shows (the logs' scroll).
  const flowVersion = createMemo(() => live.job?.ruleReference, undefined, {
    equals: (a, b) => a?.baseId === b?.baseId && a?.version === b?.version,
  });
  const rule = createAsync(async () => {
    const ref = flowVersion();
    return ref ? getRuleVersion(ref.baseId, ref.version) : undefined;
  });
  const href = (jobId: string) => (props.hrefFor ?? ((id: string) => `/jobs/${id}`))(jobId);
  /** The loop node of progress.loop in the job's flow version (its name and type), once the flow is read. */
  const loopNode = (id: string) => (rule()?.definition as FlowDefinition | undefined)?.nodes.find((node) => node.id === id);

  const doCancel = async () => {
    setActionError(undefined);
    try {
      live.apply(await cancel(props.jobId));
      if (!live.streaming()) await live.reload();
    } catch (error) {
      setActionError(error);
    }
  };
  const doRunAgain = async () => {
    setActionError(undefined);
    try {
      const started = await again(live.job!);
      navigate(href(started.jobId));
    } catch (error) {
      setActionError(error);
    }
  };

  return (
    <Show when={live.job} fallback={live.error() ? <ProblemMessage error={live.error()} retry={() => live.reload()} /> : <p class="muted loading">Loading job…</p>}>
      {(job) => (
        <article class="job-detail" data-job-id={job().jobId}>
          <header class="job-header">
            <div class="job-title">
              <JobStateBadge state={job().status.state} />
              <h2 class="mono">{job().jobId}</h2>
            </div>
            <div class="job-actions">
              <Show when={isCancelable(job().status.state)}>
                <ConfirmButton label="Cancel job" class="button" question="Cancel this job?" confirmLabel="Cancel job" onConfirm={doCancel} />
              </Show>
              <Show when={isFinalState(job().status.state)}>
                <button class="button button-primary" onClick={doRunAgain}>Run again with the same input</button>
              </Show>
            </div>
          </header>
          <Show when={actionError()}><ProblemMessage error={actionError()} /></Show>
          <Show when={live.error()}><ProblemMessage error={live.error()} /></Show>

          <p class="status-line">
            <span class="mono">{job().status.code}</span> — {job().status.message}
          </p>
          <Show when={job().progress.loop}>
            {(loop) => (
              <div class="loop-line" data-testid="job-loop">
                <span class="muted">
                  {isFinalState(job().status.state) ? "Stopped in loop" : "Loop"} “{loopNode(loop().node)?.name ?? loop().node}”
                </span>
                <LoopProgressBar loop={loop()} unit={loopUnit(loopNode(loop().node)?.type)} stopped={isFinalState(job().status.state)} />
              </div>
            )}
          </Show>
          <Show when={job().error}>
            {(failure) => (
              <div class="problem" role="alert" data-testid="job-error">
                <strong>Failed{failure().node ? ` at node “${failure().node}”` : ""}</strong>
                <p>{failure().message}</p>
              </div>
            )}
          </Show>

          <dl class="facts">
            <div><dt>Flow</dt><dd><A href={`/flows/${job().ruleReference.alias ?? job().ruleReference.baseId}`}>{job().ruleReference.alias ?? job().ruleReference.baseId}</A> v{job().ruleReference.version}</dd></div>
            <div><dt>Created</dt><dd><Time at={job().createdAt} /></dd></div>
            <div><dt>Started</dt><dd><Time at={job().claimedAt} /></dd></div>
            <div><dt>Duration</dt><dd>{formatDuration(jobDurationMs(job(), now()))}</dd></div>
            <div><dt>Execution</dt><dd data-testid="execution-seconds">{formatSeconds(job().usage.executionMs / 1000)}</dd></div>
            <div><dt>Steps</dt><dd>{job().progress.steps}</dd></div>
            <div><dt>Current node</dt><dd>{job().progress.currentNode ?? "—"}</dd></div>
            <div><dt>Correlation id</dt><dd><IdText id={job().correlationId} /></dd></div>
          </dl>

          <div class="detail-grid">
            <section class="card">
              <h3>Flow</h3>
              <Show when={rule()} fallback={<p class="muted">Loading the flow…</p>}>
                {(version) => <FlowGraph definition={version().definition as FlowDefinition} nodeStates={job().nodeStates} nodeRuns={job().nodeRuns} />}
              </Show>
            </section>
            <section class="card">
              <h3>Timeline</h3>
              <JobTimeline events={job().events} />
            </section>
          </div>

          <section class="card">
            <h3>Logs</h3>
            <LogStream lines={live.logs} live={live.streaming()} dropped={live.dropped()} />
          </section>
          <section class="card">
            <JsonView title="Input" value={job().inputData} />
            <JsonView title="Output" value={job().output} open={job().status.state === "COMPLETED"} />
          </section>
        </article>
      )}
    </Show>
  );
}
