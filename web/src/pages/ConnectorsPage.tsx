// The space's connectors: create, edit, test and delete the credentials flows name by alias. Secrets
// are write-only: the API never returns them, so the page only says one is stored.
import { createAsyncStore, useAction } from "@solidjs/router";
import { createSignal, For, Show } from "solid-js";
import { createConnector, deleteConnector, getConnectors, testConnector, updateConnector } from "../api/queries";
import type { Connector, ConnectorTestResult, NewConnector } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import { ConnectorForm, type ConnectorFormValue } from "../components/ConnectorForm";
import { EmptyState } from "../components/EmptyState";
import { ProblemMessage } from "../components/ProblemMessage";
import { PageHeader } from "../components/PageHeader";
import { reportingTo } from "../lib/report";
import "../styles-connectors.css";

export function ConnectorsPage() {
  const connectors = createAsyncStore(() => getConnectors(), { reconcile: { key: "id" } });
  const create = useAction(createConnector);
  const [creating, setCreating] = createSignal(false);
  const [error, setError] = createSignal<unknown>();

  const onCreate = (value: ConnectorFormValue) =>
    reportingTo(setError)(async () => {
      await create(value as NewConnector);
      setCreating(false);
    });

  return (
    <section class="page">
      <PageHeader
        title="Connectors"
        action={
          <Show when={!creating()}>
            <button class="button button-primary" onClick={() => { setError(undefined); setCreating(true); }}>New connector</button>
          </Show>
        }
      >
        Databases and APIs your flows use by alias: a <code>postgres</code> connector for DATABASE_* nodes, an <code>http</code> one for REST_API.
        Secrets are stored encrypted and never shown again.
      </PageHeader>
      <Show when={creating()}>
        <section class="card">
          <h3>New connector</h3>
          <Show when={error()}><ProblemMessage error={error()} /></Show>
          <ConnectorForm submitLabel="Create connector" onSubmit={onCreate} onCancel={() => setCreating(false)} />
        </section>
      </Show>
      <Show when={connectors()} fallback={<p class="muted loading">Loading connectors…</p>}>
        <Show
          when={connectors()!.length || creating()}
          fallback={<EmptyState title="No connectors yet"><p>Add one with “New connector”; flows then name it in a node's <code>connector</code> field.</p></EmptyState>}
        >
          <ul class="connector-list">
            <For each={connectors()}>{(connector) => <ConnectorCard connector={connector} />}</For>
          </ul>
        </Show>
      </Show>
    </section>
  );
}

/** Where the connector points, in one line: host:port/database as user, or the auth and base URL. */
function summary(connector: Connector): string {
  const config = connector.config as Record<string, unknown>;
  if (connector.type === "postgres" && config.hyperdrive !== undefined) return `through Hyperdrive binding ${config.hyperdrive}`;
  if (connector.type === "postgres") return `${config.host}:${config.port}/${config.database} as ${config.user}${config.ssl ? ` · TLS ${config.ssl}` : ""}`;
  const auth = config.auth === "basic" ? `basic auth as ${config.username}` : config.auth === "header" ? `header ${config.headerName}` : "bearer token";
  return `${auth}${config.baseUrl ? ` · ${config.baseUrl}` : ""}`;
}

function ConnectorCard(props: { connector: Connector }) {
  const update = useAction(updateConnector);
  const remove = useAction(deleteConnector);
  const [editing, setEditing] = createSignal(false);
  const [testing, setTesting] = createSignal(false);
  const [result, setResult] = createSignal<ConnectorTestResult>();
  const [error, setError] = createSignal<unknown>();
  const run = reportingTo(setError);
  const test = () =>
    run(async () => {
      setTesting(true);
      setResult(undefined);
      try {
        setResult(await testConnector(props.connector.id));
      } finally {
        setTesting(false);
      }
    });
  const save = (value: ConnectorFormValue) =>
    run(async () => {
      await update(props.connector.id, { name: value.name, alias: value.alias, config: value.config, ...(value.secret ? { secret: value.secret } : {}) });
      setEditing(false);
      setResult(undefined);
    });

  return (
    <li class="card connector" data-connector={props.connector.alias}>
      <Show when={error()}><ProblemMessage error={error()} /></Show>
      <Show
        when={!editing()}
        fallback={<ConnectorForm initial={props.connector} submitLabel="Save" onSubmit={save} onCancel={() => { setError(undefined); setEditing(false); }} />}
      >
        <div class="connector-head">
          <div class="connector-title">
            <span class="badge badge-info">{props.connector.type}</span>
            <strong>{props.connector.name}</strong>
            <code class="mono">{props.connector.alias}</code>
          </div>
          <div class="connector-actions">
            <button class="button button-small" disabled={testing()} onClick={test}>{testing() ? "Testing…" : "Test"}</button>
            <button class="button button-small" onClick={() => { setError(undefined); setEditing(true); }}>Edit</button>
            <ConfirmButton label="Delete" question={`Delete connector ${props.connector.alias}?`} confirmLabel="Delete" onConfirm={() => run(() => remove(props.connector.id))} />
          </div>
        </div>
        <p class="muted small mono connector-summary" data-testid="connector-summary">{summary(props.connector)}</p>
        <p class="muted small">Secret stored (write-only)</p>
        <Show when={result()}>
          {(outcome) => (
            <p class="connector-test" role="status" data-testid="connector-test">
              <span class={`badge badge-${outcome().ok ? "success" : "danger"}`}>{outcome().ok ? "Works" : "Failed"}</span>
              <span>{outcome().message}</span>
              <span class="muted small">{outcome().latencyMs} ms</span>
            </p>
          )}
        </Show>
      </Show>
    </li>
  );
}
