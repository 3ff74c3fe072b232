// The space's webhooks: create (the secret shown once), edit, enable, a new secret, delete, and each one's deliveries.
import { createAsync, createAsyncStore, useAction } from "@solidjs/router";
import { createMemo, createSignal, For, Show } from "solid-js";
import { createWebhook, deleteWebhook, getRules, getWebhooks, renewWebhookSecret, updateWebhook } from "../api/queries";
import type { CreatedWebhook, NewWebhook, Webhook } from "../api/types";
import { ConfirmButton } from "../components/ConfirmButton";
import { CopyButton } from "../components/CopyButton";
import { EmptyState } from "../components/EmptyState";
import { ProblemMessage } from "../components/ProblemMessage";
import { WebhookDeliveries } from "../components/WebhookDeliveries";
import { WebhookForm } from "../components/WebhookForm";
import { PageHeader } from "../components/PageHeader";
import { formatTime } from "../lib/format";
import { reportingTo } from "../lib/report";

export function WebhooksPage() {
  const webhooks = createAsyncStore(() => getWebhooks(), { reconcile: { key: "id" } });
  const rules = createAsync(() => getRules());
  // The API keeps a webhook's flows as rule ids (what deliveries match on); the user named them by
  // alias, so that is what the card and the form show, for every rule that has one.
  const aliases = createMemo(() => new Map((rules() ?? []).map((rule) => [rule.ruleId, rule.alias ?? rule.ruleId])));
  const flowName = (ruleId: string) => aliases().get(ruleId) ?? ruleId;
  const create = useAction(createWebhook);
  const [creating, setCreating] = createSignal(false);
  // The secret to show once: of a webhook just created, or a new one of an existing webhook.
  const [created, setCreated] = createSignal<{ hook: CreatedWebhook; renewed: boolean }>();
  const [error, setError] = createSignal<unknown>();

  const onCreate = (value: NewWebhook) =>
    reportingTo(setError)(async () => {
      setCreated({ hook: await create({ ...value, flows: value.flows ?? undefined }), renewed: false });
      setCreating(false);
    });

  return (
    <section class="page">
      <PageHeader
        title="Webhooks"
        action={
          <Show when={!creating()}>
            <button class="button button-primary" onClick={() => { setCreated(undefined); setCreating(true); }}>New webhook</button>
          </Show>
        }
      >
        Signed POSTs to your endpoints when a job completes, fails or is canceled.
      </PageHeader>
      <Show when={error()}><ProblemMessage error={error()} /></Show>
      <Show when={creating()}>
        <section class="card">
          <h3>New webhook</h3>
          <WebhookForm submitLabel="Create webhook" onSubmit={onCreate} onCancel={() => setCreating(false)} />
        </section>
      </Show>
      <Show when={created()}>
        {(shown) => (
          <section class="card secret-card" role="status">
            <h3>{shown().renewed ? "New signing secret" : "Webhook created"}</h3>
            <p>
              {shown().renewed
                ? `Deliveries to ${shown().hook.url} are signed with this secret from now on; ${
                    shown().hook.previousSecretUntil ? `the old one also signs until ${formatTime(shown().hook.previousSecretUntil)}` : "the old one no longer verifies"
                  }. `
                : "This is the signing secret. "}
              It is shown only now: copy it and keep it with your receiver.
            </p>
            <div class="secret-row">
              <code class="mono" data-copy={shown().hook.secret} data-testid="webhook-secret">{shown().hook.secret}</code>
              <CopyButton text={shown().hook.secret} />
            </div>
            <button class="button button-small" onClick={() => setCreated(undefined)}>Done</button>
          </section>
        )}
      </Show>
      <Show when={webhooks()} fallback={<p class="muted loading">Loading webhooks…</p>}>
        <Show when={webhooks()!.length || creating()} fallback={<EmptyState title="No webhooks yet"><p>Add one with “New webhook” to be told when jobs finish.</p></EmptyState>}>
          <ul class="webhook-list">
            <For each={webhooks()}>
              {(hook) => <WebhookCard webhook={hook} flowName={flowName} onError={setError} onSecret={(renewed) => setCreated({ hook: renewed, renewed: true })} />}
            </For>
          </ul>
        </Show>
      </Show>
    </section>
  );
}

function WebhookCard(props: {
  webhook: Webhook;
  flowName: (ruleId: string) => string;
  onError: (error: unknown) => void;
  onSecret: (renewed: CreatedWebhook) => void;
}) {
  const update = useAction(updateWebhook);
  const renew = useAction(renewWebhookSecret);
  const remove = useAction(deleteWebhook);
  const [editing, setEditing] = createSignal(false);
  const [open, setOpen] = createSignal(false);
  const run = reportingTo((error) => props.onError(error));
  return (
    <li class="card webhook" data-webhook-id={props.webhook.id}>
      <Show
        when={!editing()}
        fallback={
          <WebhookForm
            initial={{ ...props.webhook, flows: props.webhook.flows?.map(props.flowName) ?? null }}
            submitLabel="Save"
            onSubmit={(value) => run(async () => { await update(props.webhook.id, value); setEditing(false); })}
            onCancel={() => setEditing(false)}
          />
        }
      >
        <div class="webhook-head">
          <div class="webhook-url">
            <span class={`badge badge-${props.webhook.enabled ? "success" : "neutral"}`}>{props.webhook.enabled ? "Enabled" : "Disabled"}</span>
            <span class="mono">{props.webhook.url}</span>
          </div>
          <div class="webhook-actions">
            <label class="toggle">
              <input
                type="checkbox"
                role="switch"
                checked={props.webhook.enabled}
                aria-label={`Enable webhook ${props.webhook.url}`}
                onChange={(event) => run(() => update(props.webhook.id, { enabled: event.currentTarget.checked }))}
              />
              <span class="toggle-track" aria-hidden="true"><span class="toggle-thumb" /></span>
            </label>
            <button class="button button-small" onClick={() => setEditing(true)}>Edit</button>
            <ConfirmButton
              label="New secret"
              question="Replace the signing secret?"
              alternative={{ label: "Keep old 24 h", onConfirm: () => run(async () => props.onSecret(await renew(props.webhook.id, 86_400))) }}
              confirmLabel="Replace now"
              onConfirm={() => run(async () => props.onSecret(await renew(props.webhook.id, 0)))}
            />
            <ConfirmButton label="Delete" question="Delete this webhook?" confirmLabel="Delete" onConfirm={() => run(() => remove(props.webhook.id))} />
          </div>
        </div>
        <p class="muted small" data-testid="webhook-filter">
          {props.webhook.events.join(", ")} · {props.webhook.flows?.length ? `flows: ${props.webhook.flows.map(props.flowName).join(", ")}` : "all flows"}
          <Show when={props.webhook.previousSecretUntil}>{(until) => <> · the previous secret also signs until {formatTime(until())}</>}</Show>
        </p>
        <button class="link-button" aria-expanded={open()} onClick={() => setOpen(!open())}>
          {open() ? "Hide deliveries" : "Show deliveries"}
        </button>
        <Show when={open()}><WebhookDeliveries webhookId={props.webhook.id} /></Show>
      </Show>
    </li>
  );
}
