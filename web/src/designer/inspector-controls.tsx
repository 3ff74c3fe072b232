// The inspector's controls for one field: a single value (text, expression, code, a picker, a number,
// a checkbox), or one of the collections (inspector-collections.tsx) by the field's kind.
import { createEffect, createMemo, createSignal, createUniqueId, For, Match, on, Show, Switch, type JSX } from "solid-js";
import { errorsAt, numberFrom, type Control, type Field, type FieldError } from "../lib/schema-form";
import { CodeField } from "./CodeField";
import { ExpressionField } from "./ExpressionField";
import { FieldLabel, FieldNotes, describedByOf } from "./inspector-parts";
import type { InspectorConnector, InspectorRule } from "./Inspector";
import { JsonInput, ListInput, MapInput, ObjectsInput, UnionInput } from "./inspector-collections";

/** What every control needs besides its own field. */
export interface FormContext {
  connectors: readonly InspectorConnector[];
  rules: readonly InspectorRule[];
  errors: readonly FieldError[];
  readOnly: boolean;
}

export interface ControlProps {
  field: Field;
  /** The control's accessible name: the field's key, or "cases 1 when" inside a list. */
  label: string;
  /** Where the save's errors for this field point. */
  path: string;
  value: unknown;
  context: FormContext;
  onValue(value: unknown): void;
}

const SINGLE_VALUE_KINDS = new Set<Control["kind"]>(["text", "expression", "code", "select", "connector", "rule", "number", "boolean"]);

/** One field: its label, control, help text and errors. */
export function FieldControl(props: ControlProps) {
  const errors = () => errorsAt(props.context.errors, props.path);
  return (
    <Switch fallback={<JsonInput {...props} errors={errors()} />}>
      <Match when={SINGLE_VALUE_KINDS.has(props.field.kind)}>
        <SingleValue {...props} control={props.field} errors={errors()} />
      </Match>
      <Match when={props.field.kind === "map"}>
        <MapInput {...props} errors={errors()} />
      </Match>
      <Match when={props.field.kind === "list"}>
        <ListInput {...props} errors={errors()} />
      </Match>
      <Match when={props.field.kind === "objects"}>
        <ObjectsInput {...props} errors={errors()} />
      </Match>
      <Match when={props.field.kind === "union"}>
        <UnionInput {...props} errors={errors()} />
      </Match>
    </Switch>
  );
}

/** A control of one value (`control`), framed with the field's label, help and errors. */
export function SingleValue(props: ControlProps & { control: Control; errors: FieldError[]; hideLabel?: boolean; invalid?: boolean; describedBy?: string }) {
  const id = createUniqueId();
  // `invalid` and `describedBy` come from a row whose errors sit under the whole row (a map entry's).
  const describedBy = () => [describedByOf(id, props.field.description, props.errors), props.describedBy].filter(Boolean).join(" ") || undefined;
  const invalid = () => props.errors.length > 0 || Boolean(props.invalid);
  const required = () => props.field.required;
  const placeholder = () => (props.field.default !== undefined && typeof props.field.default !== "object" ? String(props.field.default) : undefined);
  const textValue = () => (typeof props.value === "string" ? props.value : props.value === undefined ? "" : String(props.value));
  const orRemoved = (text: string) => (text === "" && !required() ? undefined : text);

  const frame = (control: JSX.Element, labelFor: string | undefined) => (
    <div class="inspector-field" classList={{ "inspector-field-invalid": invalid() }}>
      <Show when={!props.hideLabel}>
        <FieldLabel for={labelFor} label={props.label} required={required()} />
      </Show>
      {control}
      <FieldNotes id={id} description={props.field.description} errors={props.errors} />
    </div>
  );

  return (
    <Switch>
      <Match when={props.control.kind === "expression"}>
        {frame(
          <ExpressionField
            label={props.label}
            value={textValue()}
            onChange={(text) => props.onValue(orRemoved(text))}
            invalid={invalid()}
            describedBy={describedBy()}
            readOnly={props.context.readOnly}
            placeholder={placeholder()}
          />,
          undefined,
        )}
      </Match>
      <Match when={props.control.kind === "code"}>
        {frame(
          <CodeField label={props.label} value={textValue()} onChange={(text) => props.onValue(orRemoved(text))} invalid={invalid()} describedBy={describedBy()} readOnly={props.context.readOnly} />,
          undefined,
        )}
      </Match>
      <Match when={props.control.kind === "text" && (props.control as { multiline: boolean }).multiline}>
        {frame(
          <textarea
            id={id}
            class="inspector-textarea mono"
            rows={3}
            value={textValue()}
            readOnly={props.context.readOnly}
            aria-invalid={invalid() ? "true" : undefined}
            aria-describedby={describedBy()}
            aria-required={required() ? "true" : undefined}
            placeholder={placeholder()}
            onInput={(event) => props.onValue(orRemoved(event.currentTarget.value))}
          />,
          id,
        )}
      </Match>
      <Match when={props.control.kind === "text"}>
        {frame(
          <input
            id={id}
            type="text"
            value={textValue()}
            readOnly={props.context.readOnly}
            aria-invalid={invalid() ? "true" : undefined}
            aria-describedby={describedBy()}
            aria-required={required() ? "true" : undefined}
            placeholder={placeholder()}
            onInput={(event) => props.onValue(orRemoved(event.currentTarget.value))}
          />,
          id,
        )}
      </Match>
      <Match when={props.control.kind === "number"}>
        {frame(<NumberInput id={id} control={props.control} value={props.value} invalid={invalid()} describedBy={describedBy()} required={required()} placeholder={placeholder()} readOnly={props.context.readOnly} onValue={props.onValue} />, id)}
      </Match>
      <Match when={props.control.kind === "boolean"}>
        <div class="inspector-field inspector-check" classList={{ "inspector-field-invalid": invalid() }}>
          <label class="check">
            <input
              type="checkbox"
              checked={typeof props.value === "boolean" ? props.value : props.field.default === true}
              disabled={props.context.readOnly}
              aria-invalid={invalid() ? "true" : undefined}
              aria-describedby={describedBy()}
              onChange={(event) => props.onValue(event.currentTarget.checked)}
            />
            {props.label}
          </label>
          <FieldNotes id={id} description={props.field.description} errors={props.errors} />
        </div>
      </Match>
      <Match when={props.control.kind === "select" || props.control.kind === "connector" || props.control.kind === "rule"}>
        {frame(
          <ChoiceSelect
            id={id}
            control={props.control}
            field={props.field}
            value={props.value}
            context={props.context}
            invalid={invalid()}
            describedBy={describedBy()}
            onValue={props.onValue}
          />,
          id,
        )}
      </Match>
    </Switch>
  );
}

/** A select of an enum's values, of the space's connectors of a type, or of its decision tables; blank leaves an optional field out. */
function ChoiceSelect(props: {
  id: string;
  control: Control;
  field: Field;
  value: unknown;
  context: FormContext;
  invalid: boolean;
  describedBy?: string;
  onValue(value: unknown): void;
}) {
  const options = createMemo((): { value: unknown; label: string }[] => {
    const control = props.control;
    if (control.kind === "select") return control.options.map((option) => ({ value: option, label: String(option) }));
    if (control.kind === "connector") {
      return props.context.connectors.filter((connector) => connector.type === control.connectorType).map((connector) => ({ value: connector.alias, label: `${connector.name} (${connector.alias})` }));
    }
    return props.context.rules
      .filter((rule) => rule.type === "decision-table")
      .map((rule) => ({ value: rule.alias ?? rule.ruleId, label: `${rule.name} (${rule.alias ?? rule.ruleId})` }));
  });
  // A rule named by its id while it has an alias is still that rule.
  const current = () => {
    if (props.control.kind !== "rule") return props.value;
    const rule = props.context.rules.find((candidate) => candidate.ruleId === props.value || candidate.alias === props.value);
    return rule ? (rule.alias ?? rule.ruleId) : props.value;
  };
  const selectedIndex = () => options().findIndex((option) => option.value === current());
  // A name the space does not have (deleted, or from another space) stays visible rather than silently replaced.
  const missing = () => (props.value !== undefined && props.value !== "" && selectedIndex() === -1 ? String(props.value) : null);
  const blankLabel = () => {
    if (props.control.kind === "connector") return props.field.required ? `Choose a ${props.control.connectorType} connector` : "No connector";
    if (props.control.kind === "rule") return "Choose a decision table";
    return props.field.default !== undefined ? `Default (${String(props.field.default)})` : "Not set";
  };
  const empty = () => (props.control.kind === "connector" || props.control.kind === "rule") && options().length === 0;
  return (
    <>
      <select
        id={props.id}
        value={missing() !== null ? "missing" : selectedIndex() === -1 ? "" : String(selectedIndex())}
        disabled={props.context.readOnly}
        aria-invalid={props.invalid ? "true" : undefined}
        aria-describedby={props.describedBy}
        aria-required={props.field.required ? "true" : undefined}
        onChange={(event) => {
          const chosen = event.currentTarget.value;
          if (chosen === "missing") return;
          props.onValue(chosen === "" ? undefined : options()[Number(chosen)].value);
        }}
      >
        <option value="">{blankLabel()}</option>
        <Show when={missing()}>{(name) => <option value="missing">{name()} (not in this space)</option>}</Show>
        <For each={options()}>{(option, index) => <option value={String(index())}>{option.label}</option>}</For>
      </select>
      <Show when={empty()}>
        <p class="field-help">
          {props.control.kind === "connector" ? (
            <>
              This space has no {(props.control as { connectorType: string }).connectorType} connector yet: add one on the <a href="/connectors">Connectors</a> page.
            </>
          ) : (
            "This space has no decision table yet."
          )}
        </p>
      </Show>
    </>
  );
}

/** A number typed as text: the text is kept while it is typed ("1." is on its way to "1.5"), the value saved is its number. */
function NumberInput(props: {
  id: string;
  control: Control;
  value: unknown;
  invalid: boolean;
  describedBy?: string;
  required: boolean;
  placeholder?: string;
  readOnly: boolean;
  onValue(value: unknown): void;
}) {
  const shown = (value: unknown) => (value === undefined || value === null ? "" : String(value));
  const [text, setText] = createSignal(shown(props.value));
  createEffect(on(() => props.value, (value) => numberFrom(text()) !== value && setText(shown(value)), { defer: true }));
  const control = () => props.control as { integer: boolean; minimum?: number; maximum?: number };
  return (
    <input
      id={props.id}
      type="text"
      inputmode={control().integer ? "numeric" : "decimal"}
      class="inspector-number"
      value={text()}
      readOnly={props.readOnly}
      aria-invalid={props.invalid ? "true" : undefined}
      aria-describedby={props.describedBy}
      aria-required={props.required ? "true" : undefined}
      placeholder={props.placeholder ?? rangeText(control())}
      onInput={(event) => {
        setText(event.currentTarget.value);
        props.onValue(numberFrom(event.currentTarget.value));
      }}
    />
  );
}

function rangeText(control: { minimum?: number; maximum?: number }): string | undefined {
  if (control.minimum !== undefined && control.maximum !== undefined) return `${control.minimum}–${control.maximum}`;
  if (control.minimum !== undefined) return `≥ ${control.minimum}`;
  return undefined;
}
