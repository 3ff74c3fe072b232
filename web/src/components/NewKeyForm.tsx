// The form for a new API key: its kind (solver or management) and a name to recognise it by.
import { createSignal } from "solid-js";
import type { NewKey } from "../api/types";

export const KEY_KINDS = [
  { kind: "solver", label: "Solver", hint: "starts, reads and cancels jobs (/job/*)" },
  { kind: "management", label: "Management", hint: "also this console and /api/*" },
] as const;

export function NewKeyForm(props: { onSubmit: (value: NewKey) => Promise<void>; onCancel: () => void }) {
  const [kind, setKind] = createSignal<NewKey["kind"]>("solver");
  const [name, setName] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setBusy(true);
    try {
      await props.onSubmit({ kind: kind(), name: name().trim() });
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="key-form" onSubmit={submit}>
      <fieldset class="field">
        <legend>Kind</legend>
        <div class="checks">
          {KEY_KINDS.map((option) => (
            <label class="check">
              <input type="radio" name="kind" value={option.kind} checked={kind() === option.kind} onChange={() => setKind(option.kind)} />
              {option.label} <span class="muted small">— {option.hint}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <label class="field field-grow">
        <span>Name</span>
        <input
          type="text"
          required
          maxlength="100"
          placeholder="ci, deploy, grafana…"
          value={name()}
          onInput={(event) => setName(event.currentTarget.value)}
          ref={(element) => queueMicrotask(() => element.focus())}
        />
      </label>
      <div class="form-actions">
        <button type="submit" class="button button-primary" disabled={busy() || !name().trim()}>Create key</button>
        <button type="button" class="button" onClick={() => props.onCancel()}>Cancel</button>
      </div>
    </form>
  );
}
