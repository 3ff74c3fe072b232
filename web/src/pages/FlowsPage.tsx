import { A, createAsync, revalidate, useNavigate } from "@solidjs/router";
import { createSignal, For, Show } from "solid-js";
import { api } from "../api/client";
import { getRules } from "../api/queries";
import { EmptyState } from "../components/EmptyState";
import { ProblemMessage } from "../components/ProblemMessage";
import { Time } from "../components/Time";
import { PageHeader } from "../components/PageHeader";
import { newFlowDefinition } from "../designer/model";

/** What a new rule starts as: a flow is START connected to END, a table has no rows yet. */
const STARTING_DEFINITION = {
  "integration-flow": newFlowDefinition,
  "decision-table": () => ({ hitPolicy: "FIRST_MATCH", inputs: [{ id: "c1", expression: "value" }], outputs: [{ id: "o1", path: "result" }], rows: [] }),
};

/** New flow: name, alias and type; the rule is created (unpublished) and opened in the designer. */
function NewFlowForm(props: { onCancel(): void }) {
  const navigate = useNavigate();
  const [name, setName] = createSignal("");
  const [alias, setAlias] = createSignal("");
  const [type, setType] = createSignal<keyof typeof STARTING_DEFINITION>("integration-flow");
  const [error, setError] = createSignal<unknown>();
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const created = await api<{ ruleId: string; alias: string | null }>("/api/rules", {
        method: "POST",
        body: { name: name().trim(), ...(alias().trim() ? { alias: alias().trim() } : {}), type: type(), definition: STARTING_DEFINITION[type()]() },
      });
      await revalidate(getRules.key);
      navigate(`/flows/${created.alias ?? created.ruleId}?design=1`);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <form class="card new-flow-form" onSubmit={submit} aria-label="New flow">
      <div class="form-row">
        <label class="field field-grow">
          <span>Name</span>
          <input type="text" required maxlength="200" value={name()} onInput={(event) => setName(event.currentTarget.value)} />
        </label>
        <label class="field field-grow">
          <span>Alias</span>
          <input type="text" pattern="[a-z0-9][a-z0-9_\-]{0,63}" placeholder="order-scoring" value={alias()} onInput={(event) => setAlias(event.currentTarget.value)} />
        </label>
        <label class="field">
          <span>Type</span>
          <select value={type()} onChange={(event) => setType(event.currentTarget.value as keyof typeof STARTING_DEFINITION)}>
            <option value="integration-flow">Integration flow</option>
            <option value="decision-table">Decision table</option>
          </select>
        </label>
      </div>
      <Show when={error()}><ProblemMessage error={error()} /></Show>
      <div class="form-actions">
        <button type="submit" class="button button-primary">Create</button>
        <button type="button" class="button" onClick={() => props.onCancel()}>Cancel</button>
      </div>
    </form>
  );
}

export function FlowsPage() {
  const rules = createAsync(() => getRules());
  const [creating, setCreating] = createSignal(false);
  return (
    <section class="page">
      <PageHeader title="Flows" action={<button class="button button-primary" onClick={() => setCreating(true)}>New flow</button>}>
        The space's rules. Open an integration flow to see its versions and its jobs.
      </PageHeader>
      <Show when={creating()}>
        <NewFlowForm onCancel={() => setCreating(false)} />
      </Show>
      <Show when={rules()} fallback={<p class="muted loading">Loading flows…</p>}>
        <Show
          when={rules()!.length}
          fallback={
            <EmptyState title="No flows yet">
              <p>Create one with the API:</p>
              <pre class="code">{`curl -X POST ${location.origin}/api/rules -H "Authorization: Bearer <management key>" \\\n  -H "Content-Type: application/json" \\\n  -d '{"name":"Hello","alias":"hello","type":"integration-flow","publish":true,"definition":{…}}'`}</pre>
            </EmptyState>
          }
        >
          <ul class="flow-list">
            <For each={rules()}>
              {(rule) => (
                <li class="card flow-item">
                  <A href={`/flows/${rule.alias ?? rule.ruleId}`} class="flow-link">
                    <strong>{rule.name}</strong>
                    <span class="mono muted">{rule.alias ?? rule.ruleId}</span>
                  </A>
                  <span class="muted">
                    {rule.type} · v{rule.latestVersion}
                    {rule.latestPublishedVersion ? ` · published v${rule.latestPublishedVersion}` : " · not published"} · <Time at={rule.createdAt} />
                  </span>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
    </section>
  );
}
