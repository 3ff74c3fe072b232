// API keys of the space: list, create (the key is shown once, with a copy button) and delete.
import { createAsync, createAsyncStore, useAction } from "@solidjs/router";
import { createSignal, Show } from "solid-js";
import { createApiKey, deleteApiKey, getKeys, getMe } from "../api/queries";
import type { ApiKey, CreatedApiKey, NewKey } from "../api/types";
import { CopyButton } from "../components/CopyButton";
import { EmptyState } from "../components/EmptyState";
import { KeysTable } from "../components/KeysTable";
import { NewKeyForm } from "../components/NewKeyForm";
import { ProblemMessage } from "../components/ProblemMessage";
import { PageHeader } from "../components/PageHeader";
import "../styles-keys.css";

export function KeysPage() {
  const keys = createAsyncStore(() => getKeys(), { reconcile: { key: "id" } });
  const me = createAsync(() => getMe());
  const create = useAction(createApiKey);
  const remove = useAction(deleteApiKey);
  const [creating, setCreating] = createSignal(false);
  const [created, setCreated] = createSignal<CreatedApiKey>();
  const [error, setError] = createSignal<unknown>();
  let newKeyButton: HTMLButtonElement | undefined;

  const onCreate = async (value: NewKey) => {
    setError(undefined);
    try {
      setCreated(await create(value));
      setCreating(false);
    } catch (caught) {
      setError(caught);
    }
  };

  const onDelete = async (key: ApiKey) => {
    setError(undefined);
    try {
      await remove(key.id);
      if (created()?.id === key.id) setCreated(undefined);
      // The row and its buttons are gone: give the focus a place to stay.
      newKeyButton?.focus();
    } catch (caught) {
      setError(caught);
    }
  };

  const closeCreated = () => {
    setCreated(undefined);
    newKeyButton?.focus();
  };

  return (
    <section class="page">
      <PageHeader
        title="API keys"
        action={
          <button ref={newKeyButton} class="button button-primary" disabled={creating()} onClick={() => { setCreated(undefined); setCreating(true); }}>
            New key
          </button>
        }
      >
        Solver keys start, read and cancel jobs; management keys also use this console and /api/*. A deleted key is refused within 10 seconds.
      </PageHeader>
      <Show when={error()}><ProblemMessage error={error()} /></Show>
      <Show when={creating()}>
        <section class="card">
          <h3>New key</h3>
          <NewKeyForm onSubmit={onCreate} onCancel={() => { setCreating(false); newKeyButton?.focus(); }} />
        </section>
      </Show>
      <Show when={created()}>
        {(key) => (
          <section class="card secret-card" role="status">
            <h3>Key “{key().name}” created</h3>
            <p>This is the {key().kind} key. It is shown only now: copy it and keep it somewhere safe.</p>
            <div class="secret-row">
              <code class="mono" data-copy={key().key} data-testid="api-key-secret">{key().key}</code>
              <span ref={(element) => queueMicrotask(() => element.querySelector("button")?.focus())}><CopyButton text={key().key} /></span>
            </div>
            <button class="button button-small" onClick={closeCreated}>Done</button>
          </section>
        )}
      </Show>
      <Show when={keys()} fallback={<p class="muted loading">Loading keys…</p>}>
        <Show when={keys()!.length} fallback={<EmptyState title="No keys"><p>Create one with “New key”.</p></EmptyState>}>
          <KeysTable keys={keys()!} currentKeyId={me()?.key.id} onDelete={onDelete} />
        </Show>
      </Show>
    </section>
  );
}
