import { A, createAsync } from "@solidjs/router";
import { For, Show } from "solid-js";
import { getRules } from "../api/queries";
import { EmptyState } from "../components/EmptyState";
import { Time } from "../components/Time";

export function FlowsPage() {
  const rules = createAsync(() => getRules());
  return (
    <section class="page">
      <header class="page-header">
        <div>
          <h1>Flows</h1>
          <p class="muted">The space's rules. Open an integration flow to see its versions and its jobs.</p>
        </div>
      </header>
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
