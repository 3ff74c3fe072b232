import { A, createAsync, useParams, useSearchParams } from "@solidjs/router";
import { createMemo, For, Show } from "solid-js";
import { getRuleVersions } from "../api/queries";
import type { FlowDefinition } from "../api/types";
import { EmptyState, StartJobHint } from "../components/EmptyState";
import { FlowGraph } from "../components/FlowGraph";
import { JobDetailView } from "../components/JobDetailView";
import { JobStateBadge } from "../components/JobStateBadge";
import { ProblemMessage } from "../components/ProblemMessage";
import { formatTime, shortId } from "../lib/format";
import { createJobList } from "../lib/job-list";

/** A flow: the left-hand Jobs panel of its jobs; the main area shows a version or the chosen job. */
export function FlowPage() {
  const params = useParams<{ rule: string }>();
  const [search, setSearch] = useSearchParams<{ job?: string; version?: string }>();
  const versions = createAsync(() => getRuleVersions(params.rule));
  const jobs = createJobList(() => ({ flow: params.rule }));
  const shown = createMemo(() => {
    const all = versions();
    if (!all) return undefined;
    return all.find((version) => String(version.version) === search.version) ?? all[0];
  });
  const jobHref = (jobId: string) => `/flows/${params.rule}?job=${jobId}`;

  return (
    <section class="page flow-page">
      <nav class="breadcrumb"><A href="/flows">Flows</A> / <span>{versions()?.[0]?.name ?? params.rule}</span></nav>
      <div class="flow-layout">
        <aside class="jobs-panel card" aria-label="Jobs of this flow">
          <h2>Jobs</h2>
          <Show when={jobs.error()}><ProblemMessage error={jobs.error()} /></Show>
          <Show when={jobs.items.length} fallback={<p class="muted">{jobs.loading() ? "Loading…" : "No jobs of this flow yet."}</p>}>
            <ul class="panel-list">
              <For each={jobs.items}>
                {(job) => (
                  <li>
                    <A href={jobHref(job.jobId)} class="panel-item" activeClass="" classList={{ selected: search.job === job.jobId }}>
                      <JobStateBadge state={job.status.state} />
                      <span class="mono">{shortId(job.jobId)}</span>
                      <span class="muted small">v{job.ruleReference.version} · {formatTime(job.createdAt)}</span>
                    </A>
                  </li>
                )}
              </For>
            </ul>
            <Show when={jobs.nextCursor()}>
              <button class="button button-small" onClick={() => jobs.loadMore()}>Load more</button>
            </Show>
          </Show>
        </aside>

        <div class="flow-main">
          <Show
            when={search.job}
            fallback={
              <Show when={shown()} fallback={<p class="muted loading">Loading flow…</p>}>
                {(version) => (
                  <>
                    <header class="page-header">
                      <div>
                        <h1>{version().name}</h1>
                        <p class="muted">
                          <span class="mono">{version().alias ?? version().ruleId}</span> · {version().type}
                        </p>
                      </div>
                    </header>
                    <div class="chips" role="group" aria-label="Versions">
                      <For each={versions()}>
                        {(item) => (
                          <button class="chip" aria-pressed={item.version === version().version} onClick={() => setSearch({ version: String(item.version) })}>
                            v{item.version} <span class="chip-count">{item.status}</span>
                          </button>
                        )}
                      </For>
                    </div>
                    <section class="card">
                      <h3>Version {version().version} <span class="muted small">{version().publishedAt ? `published ${formatTime(version().publishedAt)}` : "not published"}</span></h3>
                      <FlowGraph definition={version().definition as FlowDefinition} />
                    </section>
                    <Show when={!jobs.loading() && jobs.items.length === 0}>
                      <EmptyState title="No jobs yet"><StartJobHint flow={version().alias ?? version().ruleId} /></EmptyState>
                    </Show>
                  </>
                )}
              </Show>
            }
          >
            <p><A href={`/flows/${params.rule}`}>← Back to the flow</A></p>
            <JobDetailView jobId={search.job!} hrefFor={jobHref} />
          </Show>
        </div>
      </div>
    </section>
  );
}
