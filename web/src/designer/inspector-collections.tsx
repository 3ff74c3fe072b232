// The inspector's collection controls: key → expression rows, lists, lists of objects, unions and raw JSON.
import { createEffect, createSignal, createUniqueId, For, Index, on, Show } from "solid-js";
import { choiceIndex, entryPath, errorsAt, mapOf, mapRows, withField, type Control, type Field, type FieldError } from "../lib/schema-form";
import { FieldLabel, FieldNotes, ErrorList, RemoveButton, focusAfterChange, describedByOf } from "./inspector-parts";
import { FieldControl, SingleValue } from "./inspector-controls";
import type { ControlProps } from "./inspector-controls";

/** Named entries (key → expression): one row each, added and removed with buttons. */
export function MapInput(props: ControlProps & { errors: FieldError[] }) {
  const value = () => (props.field as { value: Control }).value;
  type Row = { key: string; value: unknown };
  const rowsOf = (current: unknown): Row[] => mapRows(current).map(([key, entry]) => ({ key, value: entry }));
  const [rows, setRows] = createSignal(rowsOf(props.value));
  // Edits come back as props; only a change from elsewhere (an undo, a restored draft) replaces the rows.
  // Rows live here because a row without a key yet is not in data.
  createEffect(on(() => props.value, (current) => JSON.stringify(mapOf(rows().map((row) => [row.key, row.value]))) !== JSON.stringify(current ?? {}) && setRows(rowsOf(current)), { defer: true }));
  const emit = (next: Row[]) => {
    setRows(next);
    props.onValue(mapOf(next.map((row) => [row.key, row.value])));
  };
  const update = (at: number, change: Partial<Row>) => emit(rows().map((row, index) => (index === at ? { ...row, ...change } : row)));
  let group: HTMLFieldSetElement | undefined;

  return (
    <fieldset ref={group} class="inspector-group" classList={{ "inspector-field-invalid": props.errors.length > 0 }}>
      <legend>{props.label}</legend>
      <Show when={props.field.description}>{(description) => <p class="field-help">{description()}</p>}</Show>
      <Index each={rows()}>
        {(row, index) => {
          const errors = () => (row().key === "" ? [] : errorsAt(props.context.errors, entryPath(props.path, row().key)));
          const errorId = createUniqueId();
          const valueLabel = () => `${props.label} value ${index + 1}`;
          return (
            <div class="inspector-row" classList={{ "inspector-field-invalid": errors().length > 0 }}>
              <div class="inspector-row-controls">
                <input
                  type="text"
                  class="inspector-key mono"
                  aria-label={`${props.label} key ${index + 1}`}
                  aria-invalid={errors().length > 0 ? "true" : undefined}
                  aria-describedby={errors().length > 0 ? errorId : undefined}
                  value={row().key}
                  readOnly={props.context.readOnly}
                  placeholder="key"
                  onInput={(event) => update(index, { key: event.currentTarget.value })}
                />
                <div class="inspector-row-value">
                  <SingleValue
                    field={{ ...value(), key: row().key, label: valueLabel(), required: true }}
                    control={value()}
                    label={valueLabel()}
                    path={entryPath(props.path, row().key)}
                    value={row().value}
                    context={props.context}
                    errors={[]}
                    invalid={errors().length > 0}
                    describedBy={errors().length > 0 ? errorId : undefined}
                    hideLabel
                    onValue={(entry) => update(index, { value: entry ?? "" })}
                  />
                </div>
                <Show when={!props.context.readOnly}>
                  <RemoveButton label={`Remove ${props.label} ${index + 1}`} onRemove={() => emit(rows().filter((_, at) => at !== index))} group={() => group} />
                </Show>
              </div>
              <ErrorList id={errorId} errors={errors()} />
            </div>
          );
        }}
      </Index>
      <ErrorList id={createUniqueId()} errors={props.errors} />
      <Show when={!props.context.readOnly}>
        <button
          type="button"
          class="button button-small inspector-add"
          onClick={() => {
            emit([...rows(), { key: "", value: "" }]);
            focusAfterChange(group, "last-row");
          }}
        >
          Add {props.label} entry
        </button>
      </Show>
    </fieldset>
  );
}

/** A list of single values (params): one row each, in order. */
export function ListInput(props: ControlProps & { errors: FieldError[] }) {
  const item = () => (props.field as { item: Control }).item;
  const items = () => (Array.isArray(props.value) ? props.value : []);
  const set = (next: unknown[]) => props.onValue(next);
  let group: HTMLFieldSetElement | undefined;
  return (
    <fieldset ref={group} class="inspector-group" classList={{ "inspector-field-invalid": props.errors.length > 0 }}>
      <legend>{props.label}</legend>
      <Show when={props.field.description}>{(description) => <p class="field-help">{description()}</p>}</Show>
      <Index each={items()}>
        {(entry, index) => (
          <div class="inspector-row">
            <div class="inspector-row-controls">
              <div class="inspector-row-value">
                <SingleValue
                  field={{ ...item(), key: String(index), label: `${props.label} ${index + 1}`, required: true }}
                  control={item()}
                  label={`${props.label} ${index + 1}`}
                  path={entryPath(props.path, index)}
                  value={entry()}
                  context={props.context}
                  errors={errorsAt(props.context.errors, entryPath(props.path, index))}
                  hideLabel
                  onValue={(value) => set(items().map((current, at) => (at === index ? (value ?? "") : current)))}
                />
              </div>
              <Show when={!props.context.readOnly}>
                <RemoveButton label={`Remove ${props.label} ${index + 1}`} onRemove={() => set(items().filter((_, at) => at !== index))} group={() => group} />
              </Show>
            </div>
          </div>
        )}
      </Index>
      <ErrorList id={createUniqueId()} errors={props.errors} />
      <Show when={!props.context.readOnly}>
        <button
          type="button"
          class="button button-small inspector-add"
          onClick={() => {
            set([...items(), ""]);
            focusAfterChange(group, "last-row");
          }}
        >
          Add {props.label} item
        </button>
      </Show>
    </fieldset>
  );
}

/** A list of objects (SWITCH cases): each item's fields under "cases 1", added and removed with buttons. */
export function ObjectsInput(props: ControlProps & { errors: FieldError[] }) {
  const fields = () => (props.field as { fields: Field[] }).fields;
  const items = () => (Array.isArray(props.value) ? (props.value as unknown[]) : []);
  const set = (next: unknown[]) => props.onValue(next);
  const itemOf = (value: unknown) => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {});
  let group: HTMLFieldSetElement | undefined;
  return (
    <fieldset ref={group} class="inspector-group" classList={{ "inspector-field-invalid": props.errors.length > 0 }}>
      <legend>{props.label}</legend>
      <Show when={props.field.description}>{(description) => <p class="field-help">{description()}</p>}</Show>
      <Index each={items()}>
        {(entry, index) => (
          <fieldset class="inspector-item">
            <legend>
              {props.label} {index + 1}
            </legend>
            <For each={fields()}>
              {(sub) => (
                <FieldControl
                  field={sub}
                  label={`${props.label} ${index + 1} ${sub.label}`}
                  path={entryPath(props.path, index, sub.key)}
                  value={itemOf(entry())[sub.key]}
                  context={props.context}
                  onValue={(value) => set(items().map((current, at) => (at === index ? withField(itemOf(current), sub, value) : current)))}
                />
              )}
            </For>
            <ErrorList id={createUniqueId()} errors={errorsAt(props.context.errors, entryPath(props.path, index))} />
            <Show when={!props.context.readOnly}>
              <RemoveButton label={`Remove ${props.label} ${index + 1}`} onRemove={() => set(items().filter((_, at) => at !== index))} group={() => group} />
            </Show>
          </fieldset>
        )}
      </Index>
      <ErrorList id={createUniqueId()} errors={props.errors} />
      <Show when={!props.context.readOnly}>
        <button
          type="button"
          class="button button-small inspector-add"
          onClick={() => {
            set([...items(), {}]);
            focusAfterChange(group, "last-row");
          }}
        >
          Add {props.label} item
        </button>
      </Show>
    </fieldset>
  );
}

/** One of several shapes: a select of the choices, and the chosen shape's control when it takes a value ("version": latest, or a number). */
export function UnionInput(props: ControlProps & { errors: FieldError[] }) {
  const id = createUniqueId();
  const choices = () => (props.field as { choices: Extract<Control, { kind: "union" }>["choices"] }).choices;
  const [chosen, setChosen] = createSignal(choiceIndex(choices(), props.value ?? props.field.default));
  // A value from elsewhere that is not of the chosen shape picks its own; an emptied number keeps its choice.
  createEffect(on(() => props.value, (value) => value !== undefined && choiceIndex(choices(), value) !== chosen() && setChosen(choiceIndex(choices(), value)), { defer: true }));
  const choice = () => choices()[chosen()];
  const describedBy = () => describedByOf(id, props.field.description, props.errors);
  const valueLabel = () => {
    const current = choice();
    return current.kind === "field" && current.control.kind === "number" ? `${props.label} number` : `${props.label} value`;
  };
  return (
    <div class="inspector-field" classList={{ "inspector-field-invalid": props.errors.length > 0 }}>
      <FieldLabel for={id} label={props.label} required={props.field.required} />
      <div class="inspector-union">
        <select
          id={id}
          value={String(chosen())}
          disabled={props.context.readOnly}
          aria-invalid={props.errors.length > 0 ? "true" : undefined}
          aria-describedby={describedBy()}
          onChange={(event) => {
            const index = Number(event.currentTarget.value);
            setChosen(index);
            const next = choices()[index];
            props.onValue(next.kind === "const" ? next.value : undefined);
          }}
        >
          <For each={choices()}>{(option, index) => <option value={String(index())}>{option.label}</option>}</For>
        </select>
        <Show when={choice().kind === "field"}>
          <SingleValue
            field={{ ...(choice() as { control: Control }).control, key: props.field.key, label: valueLabel(), required: props.field.required }}
            control={(choice() as { control: Control }).control}
            label={valueLabel()}
            path={props.path}
            value={choice().kind === "field" && choiceIndex(choices(), props.value) === chosen() ? props.value : undefined}
            context={props.context}
            errors={[]}
            onValue={props.onValue}
          />
        </Show>
      </div>
      <FieldNotes id={id} description={props.field.description} errors={props.errors} />
    </div>
  );
}

/** Anything the form has no control for, as JSON text; text that is not JSON is not saved, and says so. */
export function JsonInput(props: ControlProps & { errors: FieldError[] }) {
  const id = createUniqueId();
  const problemId = createUniqueId();
  const shown = (value: unknown) => (value === undefined ? "" : JSON.stringify(value, null, 2));
  const [text, setText] = createSignal(shown(props.value));
  const [problem, setProblem] = createSignal<string | null>(null);
  createEffect(on(() => props.value, (value) => problem() === null && shown(value) !== text() && setText(shown(value)), { defer: true }));
  const describedBy = () => [describedByOf(id, props.field.description, props.errors), problem() ? problemId : undefined].filter(Boolean).join(" ") || undefined;
  return (
    <div class="inspector-field" classList={{ "inspector-field-invalid": props.errors.length > 0 || problem() !== null }}>
      <FieldLabel for={id} label={`${props.label} (JSON)`} required={props.field.required} />
      <textarea
        id={id}
        class="inspector-textarea mono"
        rows={3}
        value={text()}
        readOnly={props.context.readOnly}
        aria-invalid={props.errors.length > 0 || problem() !== null ? "true" : undefined}
        aria-describedby={describedBy()}
        onInput={(event) => {
          const typed = event.currentTarget.value;
          setText(typed);
          if (typed.trim() === "") {
            setProblem(null);
            props.onValue(undefined);
            return;
          }
          try {
            props.onValue(JSON.parse(typed));
            setProblem(null);
          } catch {
            // Not JSON yet: nothing is saved until it is.
            setProblem("Not valid JSON yet; the field keeps its last valid value.");
          }
        }}
      />
      <Show when={problem()}>
        <p id={problemId} class="field-problem" aria-live="polite">
          {problem()}
        </p>
      </Show>
      <FieldNotes id={id} description={props.field.description} errors={props.errors} />
    </div>
  );
}
