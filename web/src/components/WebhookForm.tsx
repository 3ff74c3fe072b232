import { createSignal, For } from "solid-js";
import type { NewWebhook, Webhook } from "../api/types";

export const WEBHOOK_EVENTS = ["JOB.COMPLETED", "JOB.ERROR", "JOB.CANCELED"] as const;

/** Create or edit a webhook: URL, events, optional flows (comma-separated aliases), enabled. */
export function WebhookForm(props: { initial?: Webhook; submitLabel: string; onSubmit: (value: NewWebhook) => Promise<void>; onCancel?: () => void }) {
  const [url, setUrl] = createSignal(props.initial?.url ?? "");
  const [events, setEvents] = createSignal<string[]>(props.initial?.events ?? [...WEBHOOK_EVENTS]);
  const [flows, setFlows] = createSignal((props.initial?.flows ?? []).join(", "));
  const [busy, setBusy] = createSignal(false);
  const toggleEvent = (event: string, on: boolean) => setEvents((list) => (on ? [...list, event] : list.filter((item) => item !== event)));
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      const flowList = flows().split(",").map((flow) => flow.trim()).filter(Boolean);
      await props.onSubmit({
        url: url().trim(),
        events: events() as NewWebhook["events"],
        flows: flowList.length ? flowList : null,
      });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="webhook-form" onSubmit={submit}>
      <label class="field field-grow">
        <span>URL</span>
        <input type="url" required placeholder="https://example.com/hooks/flowjobs" value={url()} onInput={(event) => setUrl(event.currentTarget.value)} />
      </label>
      <fieldset class="field">
        <legend>Events</legend>
        <div class="checks">
          <For each={WEBHOOK_EVENTS}>
            {(name) => (
              <label class="check">
                <input type="checkbox" checked={events().includes(name)} onChange={(event) => toggleEvent(name, event.currentTarget.checked)} />
                {name}
              </label>
            )}
          </For>
        </div>
      </fieldset>
      <label class="field field-grow">
        <span>Flows (optional, comma-separated; empty = all flows)</span>
        <input type="text" placeholder="hello, countdown" value={flows()} onInput={(event) => setFlows(event.currentTarget.value)} />
      </label>
      <div class="form-actions">
        <button type="submit" class="button button-primary" disabled={busy() || events().length === 0}>{props.submitLabel}</button>
        {props.onCancel && <button type="button" class="button" onClick={() => props.onCancel!()}>Cancel</button>}
      </div>
    </form>
  );
}
