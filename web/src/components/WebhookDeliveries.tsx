import { createAsyncStore, revalidate, useAction } from "@solidjs/router";
import { createSignal, For, onCleanup, Show } from "solid-js";
import { getDeliveries, redeliver } from "../api/queries";
import { ATTEMPTS_EXPLAINED, attemptLabel } from "../lib/deliveries";
import { IdText } from "./IdText";
import { ProblemMessage } from "./ProblemMessage";
import { Time } from "./Time";

const TONES: Record<string, string> = { succeeded: "success", failed: "danger", "dead-lettered": "danger", pending: "warning" };

/** A webhook's recent deliveries with every attempt; refreshed every few seconds while open. */
export function WebhookDeliveries(props: { webhookId: string }) {
  const deliveries = createAsyncStore(() => getDeliveries(props.webhookId), { reconcile: { key: "id" } });
  const resend = useAction(redeliver);
  const [error, setError] = createSignal<unknown>();
  const timer = setInterval(() => !document.hidden && revalidate(getDeliveries.keyFor(props.webhookId)), 3000);
  onCleanup(() => clearInterval(timer));
  const doResend = async (id: string) => {
    setError(undefined);
    try {
      await resend(id, props.webhookId);
    } catch (caught) {
      setError(caught);
    }
  };
  return (
    <div class="deliveries">
      <Show when={error()}><ProblemMessage error={error()} /></Show>
      <Show when={deliveries()} fallback={<p class="muted">Loading deliveries…</p>}>
        <Show when={deliveries()!.length} fallback={<p class="muted">No deliveries yet. One is sent when a matching job completes, fails or is canceled.</p>}>
          <p class="muted small attempts-note" data-testid="attempts-explained">{ATTEMPTS_EXPLAINED}</p>
          <ul class="delivery-list">
            <For each={deliveries()}>
              {(delivery) => (
                <li class="delivery" data-delivery-status={delivery.status}>
                  <div class="delivery-head">
                    <span class={`badge badge-${TONES[delivery.status] ?? "neutral"}`}>{delivery.status}</span>
                    <span>{delivery.eventType}</span>
                    <span class="muted delivery-job">job <IdText id={delivery.jobId} /></span>
                    <span class="muted small"><Time at={delivery.createdAt} /></span>
                    <button class="button button-small" onClick={() => doResend(delivery.id)}>Redeliver</button>
                  </div>
                  <ol class="attempts">
                    <For each={delivery.attempts}>
                      {(attempt) => (
                        <li>
                          <span class="attempt-label" title={`series ${attempt.series}, X-Webhook-Delivery-Attempt: ${attempt.attempt}`}>{attemptLabel(attempt.series, attempt.attempt)}</span>{" "}
                          · <Time at={attempt.at} /> ·{" "}
                          <span class={attempt.statusCode && attempt.statusCode < 300 ? "ok" : "bad"}>{attempt.statusCode ?? "no response"}</span> · {attempt.durationMs} ms
                          <Show when={attempt.error}> · {attempt.error}</Show>
                        </li>
                      )}
                    </For>
                  </ol>
                  <Show when={delivery.nextAttemptAt}><p class="muted small">Next try <Time at={delivery.nextAttemptAt} /></p></Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
    </div>
  );
}
