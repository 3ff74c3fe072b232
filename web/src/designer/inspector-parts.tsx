// Small pieces every inspector control uses: labels, help and error notes, Remove buttons, focus.
import { createUniqueId, For, on, Show } from "solid-js";
import { type FieldError } from "../lib/schema-form";

/** The field's name; "required" sits beside it, outside the label, so the accessible name is the field's name alone. */
export function FieldLabel(props: { for?: string; label: string; required: boolean }) {
  return (
    <div class="inspector-label-row">
      <Show
        when={props.for}
        fallback={
          // A CodeMirror field is no labelable element (its content carries aria-label): clicking the name focuses it all the same.
          <span class="inspector-label" onClick={(event) => event.currentTarget.closest(".inspector-field")?.querySelector<HTMLElement>(".cm-content")?.focus()}>
            {props.label}
          </span>
        }
      >
        {(target) => (
          <label class="inspector-label" for={target()}>
            {props.label}
          </label>
        )}
      </Show>
      <Show when={props.required}>
        <span class="inspector-required" aria-hidden="true">
          required
        </span>
      </Show>
    </div>
  );
}

/** The field's help text and its errors, under the control, with the ids `aria-describedby` names. */
export function FieldNotes(props: { id: string; description?: string; errors: FieldError[] }) {
  return (
    <>
      <Show when={props.description}>
        <p id={`${props.id}-help`} class="field-help">
          {props.description}
        </p>
      </Show>
      <ErrorList id={`${props.id}-error`} errors={props.errors} />
    </>
  );
}

export function ErrorList(props: { id: string; errors: FieldError[] }) {
  return (
    <Show when={props.errors.length > 0}>
      <div id={props.id} class="field-error" role="alert">
        <For each={props.errors}>{(error) => <p>{error.message}</p>}</For>
      </div>
    </Show>
  );
}

/** Removes one row; the focus moves to the group's add button rather than falling to the page. */
export function RemoveButton(props: { label: string; group: () => HTMLElement | undefined; onRemove(): void }) {
  return (
    <button
      type="button"
      class="button button-small inspector-remove"
      aria-label={props.label}
      onClick={() => {
        props.onRemove();
        focusAfterChange(props.group(), "add");
      }}
    >
      Remove
    </button>
  );
}

/** After an add or a remove the focus goes on from where the list is: the new row's first control, or the add button. */
export function focusAfterChange(group: HTMLElement | undefined, target: "last-row" | "add") {
  queueMicrotask(() => {
    if (!group) return;
    const rows = group.querySelectorAll<HTMLElement>(":scope > .inspector-row, :scope > .inspector-item");
    const place = target === "last-row" ? rows[rows.length - 1] : group.querySelector<HTMLElement>(":scope > .inspector-add");
    const control = place?.matches("button") ? place : place?.querySelector<HTMLElement>("input, select, textarea, .cm-content");
    control?.focus();
  });
}

export function describedByOf(id: string, description: string | undefined, errors: FieldError[]): string | undefined {
  const ids = [description ? `${id}-help` : null, errors.length > 0 ? `${id}-error` : null].filter(Boolean);
  return ids.length > 0 ? ids.join(" ") : undefined;
}

/** The name field: plain text, required. */
export function TextInput(props: { label: string; value: string; required: boolean; errors: FieldError[]; readOnly: boolean; onValue(value: string | undefined): void }) {
  const id = createUniqueId();
  return (
    <div class="inspector-field" classList={{ "inspector-field-invalid": props.errors.length > 0 }}>
      <FieldLabel for={id} label={props.label} required={props.required} />
      <input
        id={id}
        type="text"
        value={props.value}
        readOnly={props.readOnly}
        aria-invalid={props.errors.length > 0 ? "true" : undefined}
        aria-describedby={describedByOf(id, undefined, props.errors)}
        aria-required="true"
        onInput={(event) => props.onValue(event.currentTarget.value)}
      />
      <FieldNotes id={id} errors={props.errors} />
    </div>
  );
}
