// The test bench beside the canvas: an input, "Start a new Job" on the version shown (the designer
// saves a draft first), then the job as it runs — its state, the seconds it has been running, its
// logs — and once it is over its output and the exact execution time. The canvas draws the same
// job's node states (the designer passes them on through onJob).
import { createEffect, createMemo, createSignal, Show } from "solid-js";
import { api } from "../api/client";
import type { Job } from "../api/types";
import { JobStateBadge } from "../components/JobStateBadge";
import { JsonView } from "../components/JsonView";
import { LogStream } from "../components/LogStream";
import { ProblemMessage } from "../components/ProblemMessage";
import { exampleInput } from "../lib/example-input";
import { formatDuration, formatSeconds, jobDurationMs } from "../lib/format";
import { createLiveJob } from "../lib/live-job";
import { now } from "../lib/now";
import { isFinalState } from "../lib/states";

/** The input as the bench starts it: a JSON object, or why not. */
export function parseBenchInput(text: string): { input: Record<string, unknown> } | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `Not JSON: ${(error as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { problem: "The input must be a JSON object, e.g. {}." };
  return { input: value as Record<string, unknown> };
}

export interface BenchJob {
  jobId: string;
  version: number;
  nodeStates: Record<string, string>;
  nodeRuns: Record<string, number>;
}

export function TestBench(props: {
  /** The flow's id (or alias) and its input schema, for the prefilled input. */
  flow: string;
  inputSchema?: Record<string, unknown>;
  /** The version a new job runs: the designer saves the draft first when it has changes; null when that failed. */
  prepare(): Promise<number | null>;
  jobId: string | null;
  onJob(job: BenchJob | null): void;
  onStarted(jobId: string): void;
}) {
  const [input, setInput] = createSignal(JSON.stringify(exampleInput(props.inputSchema), null, 2));
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>();
  const parsed = createMemo(() => parseBenchInput(input()));

  const start = async () => {
    const value = parsed();
    if ("problem" in value) return;
    setBusy(true);
    setError(undefined);
    try {
      const version = await props.prepare();
      if (version === null) return;
      const job = await api<Job>(`/api/rules/${encodeURIComponent(props.flow)}/versions/${version}/jobs`, { method: "POST", body: value.input });
      props.onStarted(job.jobId);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="test-bench card" aria-label="Test bench">
      <h3>Test bench</h3>
      <label class="field">
        <span>Input (JSON)</span>
        <textarea
          class="mono bench-input"
          rows={6}
          spellcheck={false}
          aria-invalid={"problem" in parsed()}
          value={input()}
          onInput={(event) => setInput(event.currentTarget.value)}
        />
      </label>
      <Show when={"problem" in parsed() && (parsed() as { problem: string }).problem}>
        {(problem) => <p class="field-error" role="alert">{problem()}</p>}
      </Show>
      <button class="button button-primary" disabled={busy() || "problem" in parsed()} onClick={start}>
        {busy() ? "Starting…" : "Start a new Job"}
      </button>
      <Show when={error()}><ProblemMessage error={error()} /></Show>
      <Show when={props.jobId}>{(jobId) => <BenchJobView jobId={jobId()} onJob={props.onJob} />}</Show>
    </section>
  );
}

function BenchJobView(props: { jobId: string; onJob(job: BenchJob | null): void }) {
  const live = createLiveJob(() => props.jobId);
  createEffect(() => {
    const job = live.job;
    props.onJob(job ? { jobId: job.jobId, version: job.ruleReference.version, nodeStates: job.nodeStates, nodeRuns: job.nodeRuns ?? {} } : null);
  });
  return (
    <Show when={live.job} fallback={live.error() ? <ProblemMessage error={live.error()} /> : <p class="muted">Loading the job…</p>}>
      {(job) => (
        <div class="bench-job" data-job-id={job().jobId}>
          <p class="bench-state">
            <JobStateBadge state={job().status.state} /> <span class="mono small">{job().jobId}</span> · v{job().ruleReference.version}
          </p>
          <Show
            when={isFinalState(job().status.state)}
            fallback={
              <p data-testid="bench-elapsed">
                Running for <strong>{formatDuration(jobDurationMs(job(), now()))}</strong>
                {job().usage.executionMs > 0 ? ` · ${formatSeconds(job().usage.executionMs / 1000)} billed so far` : ""}
              </p>
            }
          >
            <p data-testid="bench-execution">
              Execution time <strong>{formatSeconds(job().usage.executionMs / 1000)}</strong> <span class="muted">({job().usage.executionMs} ms)</span>
            </p>
          </Show>
          <Show when={job().error}>
            {(failure) => (
              <div class="problem" role="alert">
                <strong>Failed{failure().node ? ` at node “${failure().node}”` : ""}</strong>
                <p>{failure().message}</p>
              </div>
            )}
          </Show>
          <LogStream lines={live.logs} live={live.streaming()} dropped={live.dropped()} />
          <Show when={isFinalState(job().status.state)}>
            <div data-testid="bench-output">
              <JsonView title="Output" value={job().output} open />
            </div>
          </Show>
        </div>
      )}
    </Show>
  );
}
