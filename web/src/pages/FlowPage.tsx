// A rule's page. An integration flow: the left-hand Jobs panel of its jobs, and its versions' graphs
// or the chosen job. A decision table: its versions' rows (a table has no jobs of its own).
import { A, createAsync, useParams, useSearchParams } from "@solidjs/router";
import { createSignal, For, Show } from "solid-js";
import { getRule, getRuleVersion, getRuleVersions } from "../api/queries";
import type { FlowDefinition, Rule, RuleVersionSummary } from "../api/types";
import { DecisionTableView } from "../components/DecisionTableView";
import { DecisionTableDraft, PublishVersionButton, storedTableDraft } from "../components/DecisionTableEditor";
import { EmptyState, StartJobHint } from "../components/EmptyState";
import { FlowGraph } from "../components/FlowGraph";
import { IdText } from "../components/IdText";
import { JobDetailView } from "../components/JobDetailView";
import { JobStateBadge } from "../components/JobStateBadge";
import { ProblemMessage } from "../components/ProblemMessage";
import { Time } from "../components/Time";
import { SolvePanel } from "../components/SolvePanel";
import { Designer } from "../designer/Designer";
import { createJobList } from "../lib/job-list";

export function FlowPage() {
  const params = useParams<{ rule: string }>();
  // The newest version whole, the others listed without definitions: one is read when it is shown.
  const latest = createAsync(() => getRule(params.rule));
  const versions = createAsync(() => getRuleVersions(params.rule));
  // Until the rule is read it is taken for a flow, so the jobs panel starts loading at once.
  return (
    <Show when={latest()?.type === "decision-table"} fallback={<IntegrationFlowPage rule={params.rule} latest={latest()} versions={versions()} />}>
      <DecisionTablePage rule={params.rule} latest={latest()!} versions={versions() ?? []} />
    </Show>
  );
}

/** A version of the rule whole: the newest as read, another (versions are 1 … latestVersion, never removed) from the API. */
function versionOf(rule: string, latest: Rule, version: number | undefined): Rule | Promise<Rule> {
  if (version === undefined || !Number.isInteger(version) || version === latest.version || version < 1 || version > latest.latestVersion) return latest;
  return getRuleVersion(rule, version);
}

/** The version the URL asks for (`?version=`), else the newest. */
function useShownVersion(rule: () => string, latest: () => Rule | undefined) {
  const [search, setSearch] = useSearchParams<{ version?: string }>();
  const shown = createAsync(async () => {
    const newest = latest();
    return newest && versionOf(rule(), newest, search.version === undefined ? undefined : Number(search.version));
  });
  return { shown, show: (version: number) => setSearch({ version: String(version) }) };
}

function RuleHeader(props: { version: Rule; versions: RuleVersionSummary[]; onShow: (version: number) => void }) {
  return (
    <>
      <header class="page-header">
        <div>
          <h1>{props.version.name}</h1>
          <p class="muted">
            <span class="mono">{props.version.alias ?? props.version.ruleId}</span> · {props.version.type}
          </p>
        </div>
      </header>
      <div class="chips" role="group" aria-label="Versions">
        <For each={props.versions}>
          {(item) => (
            <button class="chip" aria-pressed={item.version === props.version.version} onClick={() => props.onShow(item.version)}>
              v{item.version} <span class="chip-count">{item.status}</span>
            </button>
          )}
        </For>
      </div>
    </>
  );
}

function VersionHeading(props: { version: Rule }) {
  return (
    <h3>
      Version {props.version.version}{" "}
      <span class="muted small">{props.version.publishedAt ? <>published <Time at={props.version.publishedAt} /></> : "not published"}</span>
    </h3>
  );
}

function DecisionTablePage(props: { rule: string; latest: Rule; versions: RuleVersionSummary[] }) {
  const { shown, show } = useShownVersion(() => props.rule, () => props.latest);
  // The version the editor started from; edits kept in the browser reopen it on theirs.
  const [editing, setEditing] = createSignal(storedTableDraft(props.latest.ruleId)?.baseVersion);
  const editedBase = createAsync(async () => {
    const base = editing();
    return base === undefined ? undefined : versionOf(props.rule, props.latest, base);
  });
  return (
    <section class="page">
      <nav class="breadcrumb"><A href="/flows">Flows</A> / <span>{props.latest.name}</span></nav>
      <Show when={shown()}>
        {(version) => (
          <>
            <RuleHeader version={version()} versions={props.versions} onShow={show} />
            <Show
              when={editedBase()}
              fallback={
                <section class="card">
                  <div class="table-version-head">
                    <VersionHeading version={version()} />
                    <div class="table-version-actions">
                      <Show when={version().status === "pending"}><PublishVersionButton rule={props.rule} version={version().version} /></Show>
                      <button class="button" onClick={() => setEditing(version().version)}>Edit</button>
                    </div>
                  </div>
                  <DecisionTableView definition={version().definition} />
                </section>
              }
            >
              {(base) => (
                <DecisionTableDraft
                  rule={props.rule}
                  base={base()}
                  onSaved={(saved) => {
                    setEditing(undefined);
                    show(saved);
                  }}
                  onCancel={() => setEditing(undefined)}
                />
              )}
            </Show>
            <SolvePanel rule={props.rule} version={version().version} kind="decision-table" />
          </>
        )}
      </Show>
    </section>
  );
}

function IntegrationFlowPage(props: { rule: string; latest: Rule | undefined; versions: RuleVersionSummary[] | undefined }) {
  const [search, setSearch] = useSearchParams<{ job?: string; design?: string }>();
  const { shown, show } = useShownVersion(() => props.rule, () => props.latest);
  const jobs = createJobList(() => ({ flow: props.rule }));
  // In the designer a job opens on its canvas and test bench; otherwise on its own page here.
  const jobHref = (jobId: string) => `/flows/${props.rule}?${search.design ? "design=1&" : ""}job=${jobId}`;
  const designing = () => Boolean(search.design);

  return (
    <section class="page flow-page">
      <nav class="breadcrumb"><A href="/flows">Flows</A> / <span>{props.latest?.name ?? props.rule}</span></nav>
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
                      <IdText id={job.jobId} />
                      <span class="muted small">v{job.ruleReference.version} · <Time at={job.createdAt} /></span>
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
          <Show when={designing() && props.latest}>
            {(latest) => (
              <>
                <header class="page-header">
                  <div>
                    <h1>{latest().name}</h1>
                    <p class="muted">
                      <span class="mono">{latest().alias ?? latest().ruleId}</span> · {latest().type} · editing from version {latest().version}
                    </p>
                  </div>
                </header>
                <Designer
                  rule={latest()}
                  jobId={search.job ?? null}
                  onJob={(jobId) => setSearch({ job: jobId ?? undefined })}
                  onClose={() => setSearch({ design: undefined, job: undefined })}
                />
              </>
            )}
          </Show>
          <Show when={!designing()}>
          <Show
            when={search.job}
            fallback={
              <Show when={shown()} fallback={<p class="muted loading">Loading flow…</p>}>
                {(version) => (
                  <>
                    <RuleHeader version={version()} versions={props.versions ?? []} onShow={show} />
                    <section class="card">
                      <div class="version-heading-row">
                        <VersionHeading version={version()} />
                        <button class="button button-primary" onClick={() => setSearch({ design: "1", job: undefined })}>
                          Edit
                        </button>
                      </div>
                      <Show when={version().version !== props.latest!.version}>
                        <p class="muted small">A read-only view of version {version().version}; Edit opens the newest version, {props.latest!.version}.</p>
                      </Show>
                      <FlowGraph definition={version().definition as FlowDefinition} />
                    </section>
                    <Show when={!jobs.loading() && jobs.items.length === 0}>
                      <EmptyState title="No jobs yet"><StartJobHint flow={version().alias ?? version().ruleId} inputSchema={(version().definition as FlowDefinition).inputSchema} /></EmptyState>
                    </Show>
                  </>
                )}
              </Show>
            }
          >
            <p><A href={`/flows/${props.rule}`}>← Back to the flow</A></p>
            <JobDetailView jobId={search.job!} hrefFor={jobHref} />
          </Show>
          </Show>
        </div>
      </div>
    </section>
  );
}
