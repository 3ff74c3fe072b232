import { createAsync, useAction, useSearchParams } from "@solidjs/router";
import { createSignal, For, Show, Suspense } from "solid-js";
import { cancelAllWaiting, getMe, getRule, getRules } from "../api/queries";
import type { FlowDefinition } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import { EmptyState, StartJobHint } from "../components/EmptyState";
import { JobsTable } from "../components/JobsTable";
import { ProblemMessage } from "../components/ProblemMessage";
import { StateFilterChips } from "../components/StateFilterChips";
import { PageHeader } from "../components/PageHeader";
import { createJobList } from "../lib/job-list";

type Params = { state?: string; flow?: string; q?: string };

export function JobsPage() {
  const [params, setParams] = useSearchParams<Params>();
  const rules = createAsync(() => getRules());
  const list = createJobList(() => ({ state: params.state, flow: params.flow, q: params.q }), {
    counts: true,
    keepInView: "tbody tr[data-job-id]",
  });
  const [notice, setNotice] = createSignal<string>();
  const [actionError, setActionError] = createSignal<unknown>();
  const cancelAll = useAction(cancelAllWaiting);
  let searchTimer: ReturnType<typeof setTimeout> | undefined;

  const onSearch = (value: string) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => setParams({ q: value.trim() || undefined }), 300);
  };
  const doCancelAll = async () => {
    setActionError(undefined);
    try {
      const result = await cancelAll((await getMe()).space.id);
      setNotice(result.canceled === 1 ? "1 waiting job canceled." : `${result.canceled} waiting jobs canceled.`);
      await list.refresh();
    } catch (error) {
      setActionError(error);
    }
  };
  const filtered = () => Boolean(params.state || params.flow || params.q);

  return (
    <section class="page">
      <PageHeader
        title="Jobs"
        action={
          <ConfirmButton
            label="Cancel all waiting"
            class="button"
            question="Cancel every waiting job of this space?"
            confirmLabel="Cancel all"
            disabled={(list.counts.WAITING?.count ?? 0) === 0}
            onConfirm={doCancelAll}
          />
        }
      >
        Every job of this space, newest first. The list updates by itself.
      </PageHeader>

      <div class="toolbar">
        <StateFilterChips selected={params.state} counts={list.counts} onSelect={(state) => setParams({ state })} />
        <div class="toolbar-row">
          <label class="field">
            <span>Flow</span>
            <select value={params.flow ?? ""} onChange={(event) => setParams({ flow: event.currentTarget.value || undefined })}>
              <option value="">All flows</option>
              {/* Its own boundary: the list does not wait for the flows to arrive. */}
              <Suspense>
                <For each={rules() ?? []}>
                  {(rule) => (
                    <option value={rule.alias ?? rule.ruleId} selected={params.flow === (rule.alias ?? rule.ruleId)}>
                      {rule.alias ?? rule.name}
                    </option>
                  )}
                </For>
              </Suspense>
            </select>
          </label>
          <label class="field field-grow">
            <span>Search</span>
            <input
              type="search"
              placeholder="Job id or correlation id"
              value={params.q ?? ""}
              onInput={(event) => onSearch(event.currentTarget.value)}
            />
          </label>
        </div>
      </div>

      <Show when={notice()}>
        <p class="notice" role="status">{notice()}</p>
      </Show>
      <Show when={actionError()}>
        <ProblemMessage error={actionError()} />
      </Show>
      <Show when={list.error()}>
        <ProblemMessage error={list.error()} retry={() => list.refresh()} />
      </Show>

      <Show when={!list.loading() || list.items.length > 0} fallback={<p class="muted loading">Loading jobs…</p>}>
        <Show
          when={list.items.length > 0}
          fallback={
            <Show when={filtered()} fallback={
              <EmptyState title="No jobs yet">
                <Suspense>
                  <Show when={rules()?.find((rule) => rule.type === "integration-flow")} fallback={<StartJobHint />}>
                    {(flow) => <FlowStartHint flow={flow().alias ?? flow().ruleId} />}
                  </Show>
                </Suspense>
              </EmptyState>
            }>
              <EmptyState title="No jobs match these filters">
                <p>Clear the state, flow or search to see more.</p>
                <button class="button" onClick={() => setParams({ state: undefined, flow: undefined, q: undefined })}>Clear filters</button>
              </EmptyState>
            </Show>
          }
        >
          <JobsTable jobs={list.items} onCanceled={() => list.refresh()} onError={setActionError} />
          <div class="list-footer">
            <span class="muted">{list.items.length} shown</span>
            <Show when={list.nextCursor()}>
              <button class="button" disabled={list.loadingMore()} onClick={() => list.loadMore()}>
                {list.loadingMore() ? "Loading…" : "Load more"}
              </button>
            </Show>
          </div>
        </Show>
      </Show>
    </section>
  );
}

/** The start hint for a flow, its example input from the flow's input schema (the list carries no definitions). */
function FlowStartHint(props: { flow: string }) {
  const rule = createAsync(() => getRule(props.flow));
  return <StartJobHint flow={props.flow} inputSchema={(rule()?.definition as FlowDefinition | undefined)?.inputSchema} />;
}
