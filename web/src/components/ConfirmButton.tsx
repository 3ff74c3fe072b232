import { createSignal, Show } from "solid-js";

/**
 * A button that asks once more inline ("Cancel this job? Yes / No") before it acts; `alternative`
 * offers a second way to go on beside the confirming one ("Keep old 24 h / Replace now / No").
 */
export function ConfirmButton(props: {
  label: string;
  question: string;
  confirmLabel?: string;
  onConfirm: () => Promise<unknown> | void;
  alternative?: { label: string; onConfirm: () => Promise<unknown> | void };
  class?: string;
  disabled?: boolean;
}) {
  const [asking, setAsking] = createSignal(false);
  const [busy, setBusy] = createSignal(false);
  const confirm = async (action: () => Promise<unknown> | void = props.onConfirm) => {
    setBusy(true);
    try {
      await action();
    } finally {
      setBusy(false);
      setAsking(false);
    }
  };
  return (
    <Show
      when={asking()}
      fallback={
        <button class={props.class ?? "button button-small"} disabled={props.disabled} onClick={() => setAsking(true)}>
          {props.label}
        </button>
      }
    >
      <span class="confirm" role="group" aria-label={props.question}>
        <span class="confirm-question">{props.question}</span>
        <Show when={props.alternative}>
          {(alternative) => (
            <button class="button button-small" disabled={busy()} onClick={() => confirm(alternative().onConfirm)}>
              {alternative().label}
            </button>
          )}
        </Show>
        <button class="button button-small button-danger" disabled={busy()} onClick={() => confirm()} ref={(el) => queueMicrotask(() => el.focus())}>
          {props.confirmLabel ?? "Yes"}
        </button>
        <button class="button button-small" disabled={busy()} onClick={() => setAsking(false)}>
          No
        </button>
      </span>
    </Show>
  );
}
