// The node inspector: the selected node's name and a form generated from its type's data schema
// (lib/schema-form.ts over GET /api/node-types). Expressions get a JSONata editor, CODE a JavaScript
// one, connectors and decision tables a picker of the space's own; each save error sits under its field.
import { createEffect, createMemo, createSignal, createUniqueId, For, Index, Match, on, Show, Switch, type JSX } from "solid-js";
import {
  choiceIndex,
  controlPaths,
  entryPath,
  errorsAt,
  fieldsOf,
  mapOf,
  mapRows,
  numberFrom,
  unplacedErrors,
  withField,
  type Control,
  type Field,
  type FieldError,
  type JsonSchema,
} from "../lib/schema-form";
import { CodeField } from "./CodeField";
import { ExpressionField } from "./ExpressionField";
import "./designer-inspector.css";

export interface InspectorNode {
  id: string;
  type: string;
  name: string;
  data?: Record<string, unknown>;
}

export interface InspectorConnector {
  alias: string;
  type: "postgres" | "http";
  name: string;
}

export interface InspectorRule {
  ruleId: string;
  alias: string | null;
  name: string;
  type: string;
}

export interface InspectorProps {
  node: InspectorNode;
  /** The JSON Schema of the node type's data (GET /api/node-types' dataSchema). */
  schema: JsonSchema;
  connectors: readonly InspectorConnector[];
  rules: readonly InspectorRule[];
  /** `field` is "name" or a path inside data as the save names it: "url", "assign.total", "cases[0].when". */
  errors: readonly FieldError[];
  readOnly?: boolean;
  /** `data` is the node's whole new data (empty optional fields left out). */
  onChange(patch: { name?: string; data?: Record<string, unknown> }): void;
}

/** What every control needs besides its own field. */
interface FormContext {
  connectors: readonly InspectorConnector[];
  rules: readonly InspectorRule[];
  errors: readonly FieldError[];
  readOnly: boolean;
}

export function Inspector(props: InspectorProps) {
  const fields = createMemo(() => fieldsOf(props.schema));
  const context: FormContext = {
    get connectors() {
      return props.connectors;
    },
    get rules() {
      return props.rules;
    },
    get errors() {
      return props.errors;
    },
    get readOnly() {
      return Boolean(props.readOnly);
    },
  };
  const unplaced = createMemo(() => unplacedErrors(props.errors, controlPaths(fields(), props.node.data)));
  const setField = (field: Field, value: unknown) => props.onChange({ data: withField(props.node.data, field, value) });

  return (
    // Another node is another form: keyed, so no control keeps the state of the last one.
    <Show when={props.node.id} keyed>
      {(_id) => (
        <div class="inspector">
          <p class="inspector-type">{props.node.type}</p>
          <TextInput
            label="Name"
            value={props.node.name}
            required
            errors={errorsAt(props.errors, "name")}
            readOnly={context.readOnly}
            onValue={(name) => props.onChange({ name: name ?? "" })}
          />
          <Show when={unplaced().length > 0}>
            <div class="inspector-errors" role="alert">
              <For each={unplaced()}>{(error) => <p>{error.field ? `${error.field}: ${error.message}` : error.message}</p>}</For>
            </div>
          </Show>
          <Show when={fields().length > 0} fallback={<p class="muted small">This node has no settings.</p>}>
            <For each={fields()}>
              {(field) => <FieldControl field={field} label={field.label} path={field.key} value={props.node.data?.[field.key]} context={context} onValue={(value) => setField(field, value)} />}
            </For>
          </Show>
        </div>
      )}
    </Show>
  );
}

interface ControlProps {
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
function FieldControl(props: ControlProps) {
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
function SingleValue(props: ControlProps & { control: Control; errors: FieldError[]; hideLabel?: boolean; invalid?: boolean; describedBy?: string }) {
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

/** Named entries (key → expression): one row each, added and removed with buttons. */
function MapInput(props: ControlProps & { errors: FieldError[] }) {
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
function ListInput(props: ControlProps & { errors: FieldError[] }) {
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
function ObjectsInput(props: ControlProps & { errors: FieldError[] }) {
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
function UnionInput(props: ControlProps & { errors: FieldError[] }) {
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
function JsonInput(props: ControlProps & { errors: FieldError[] }) {
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

/** The field's name; "required" sits beside it, outside the label, so the accessible name is the field's name alone. */
function FieldLabel(props: { for?: string; label: string; required: boolean }) {
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
function FieldNotes(props: { id: string; description?: string; errors: FieldError[] }) {
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

function ErrorList(props: { id: string; errors: FieldError[] }) {
  return (
    <Show when={props.errors.length > 0}>
      <div id={props.id} class="field-error" role="alert">
        <For each={props.errors}>{(error) => <p>{error.message}</p>}</For>
      </div>
    </Show>
  );
}

/** Removes one row; the focus moves to the group's add button rather than falling to the page. */
function RemoveButton(props: { label: string; group: () => HTMLElement | undefined; onRemove(): void }) {
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
function focusAfterChange(group: HTMLElement | undefined, target: "last-row" | "add") {
  queueMicrotask(() => {
    if (!group) return;
    const rows = group.querySelectorAll<HTMLElement>(":scope > .inspector-row, :scope > .inspector-item");
    const place = target === "last-row" ? rows[rows.length - 1] : group.querySelector<HTMLElement>(":scope > .inspector-add");
    const control = place?.matches("button") ? place : place?.querySelector<HTMLElement>("input, select, textarea, .cm-content");
    control?.focus();
  });
}

function describedByOf(id: string, description: string | undefined, errors: FieldError[]): string | undefined {
  const ids = [description ? `${id}-help` : null, errors.length > 0 ? `${id}-error` : null].filter(Boolean);
  return ids.length > 0 ? ids.join(" ") : undefined;
}

/** The name field: plain text, required. */
function TextInput(props: { label: string; value: string; required: boolean; errors: FieldError[]; readOnly: boolean; onValue(value: string | undefined): void }) {
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
