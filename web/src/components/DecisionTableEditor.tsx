// The decision table editor: its grid (columns, rows, an operator picker and value inputs per
// condition cell, row activation, hit policy), and the draft around it that saves the next version,
// publishes it, keeps unsaved edits in the browser and puts a 422's messages on the cells they name.
import { useAction } from "@solidjs/router";
import { createEffect, createMemo, createSignal, createUniqueId, For, Index, Match, on, onCleanup, Show, Switch, untrack } from "solid-js";
import { ProblemError } from "../api/client";
import { publishRuleVersion, saveRuleVersion } from "../api/queries";
import type { Rule } from "../api/types";
import { tableOf } from "../lib/decision-table";
import {
  addInput,
  addOutput,
  addRow,
  conditionOf,
  formatList,
  formatScalar,
  HIT_POLICIES,
  moveRow,
  OPERATORS,
  outputCellFromText,
  outputCellOf,
  outputCellText,
  outputKind,
  parseList,
  parseScalar,
  placeErrors,
  removeInput,
  removeOutput,
  removeRow,
  sameValue,
  setActive,
  setBound,
  setConditionValue,
  setHitPolicy,
  setOperator,
  setOutputCell,
  setOutputKind,
  targetKey,
  updateInput,
  updateOutput,
  valueShape,
  type ErrorTarget,
  type HitPolicy,
  type Operator,
  type OutputKind,
  type PlacedErrors,
  type Scalar,
  type Table,
} from "../lib/decision-table-edit";
import { ConfirmButton } from "./ConfirmButton";
import { ProblemMessage } from "./ProblemMessage";
import "../styles-table-editor.css";

/** Messages by targetKey (decision-table-edit.ts). */
type CellErrors = Record<string, string[]>;

/**
 * The grid. `onChange` gets the whole new table; `structural` says rows or columns were added,
 * removed or moved, which shifts the places the last save's errors were put on.
 */
export function DecisionTableEditor(props: { table: Table; onChange: (table: Table, structural: boolean) => void; errors?: CellErrors }) {
  const id = createUniqueId();
  let grid: HTMLTableElement | undefined;
  const change = (edit: (table: Table) => Table, structural = false) => props.onChange(edit(props.table), structural);
  const messages = (target: ErrorTarget) => props.errors?.[targetKey(target)];
  const messageId = (target: ErrorTarget) => `${id}-${targetKey(target).replace(/[^\w-]/g, "_")}`;
  /** Focuses the first control of an element the last change rendered (Solid renders synchronously). */
  const focusIn = (selector: string) => queueMicrotask(() => grid?.querySelector<HTMLElement>(selector)?.focus());
  const inputLabel = (index: number) => columnLabel(props.table.inputs[index]?.name, props.table.inputs[index]?.expression, props.table.inputs[index]?.id);
  const outputLabel = (index: number) => columnLabel(props.table.outputs[index]?.name, props.table.outputs[index]?.path, props.table.outputs[index]?.id);
  const hitPolicy = { kind: "hitPolicy" } as const;

  const addTableRow = () => {
    const number = props.table.rows.length + 1;
    change((table) => addRow(table), true);
    focusIn(`tr[data-row="${number}"] :is(select, input)`);
  };
  const addColumn = (kind: "inputs" | "outputs") => {
    const index = props.table[kind].length;
    change((table) => (kind === "inputs" ? addInput(table) : addOutput(table)), true);
    focusIn(`th[data-column-kind="${kind}"][data-column-index="${index}"] input`);
  };

  return (
    <div class="table-editor">
      <div class="table-editor-toolbar">
        <label class="field">
          Hit policy
          <select
            value={props.table.hitPolicy}
            aria-invalid={messages(hitPolicy) ? "true" : undefined}
            aria-describedby={messages(hitPolicy) ? messageId(hitPolicy) : undefined}
            onChange={(event) => change((table) => setHitPolicy(table, event.currentTarget.value as HitPolicy))}
          >
            <For each={HIT_POLICIES}>{(item) => <option value={item.policy} selected={item.policy === props.table.hitPolicy}>{item.label}</option>}</For>
          </select>
          <FieldMessages id={messageId(hitPolicy)} messages={messages(hitPolicy)} />
        </label>
        <div class="table-editor-add" role="group" aria-label="Add to the table">
          <button type="button" class="button button-small" onClick={addTableRow}>Add row</button>
          <button type="button" class="button button-small" onClick={() => addColumn("inputs")}>Add input column</button>
          <button type="button" class="button button-small" onClick={() => addColumn("outputs")}>Add output column</button>
        </div>
      </div>
      <div class="table-wrap">
        <table class="table-editor-grid" ref={grid}>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Active</th>
              <Index each={props.table.inputs}>
                {(column, index) => {
                  const target = { kind: "input", index } as const;
                  return (
                    <th scope="col" class="column-input" data-column-kind="inputs" data-column-index={index}>
                      <span class="column-kind">when</span>
                      <span class="column-edit">
                        <input
                          type="text"
                          class="mono"
                          aria-label={`Input column ${column().id}: expression`}
                          placeholder="expression"
                          value={column().expression}
                          aria-invalid={messages(target) ? "true" : undefined}
                          aria-describedby={messages(target) ? messageId(target) : undefined}
                          onInput={(event) => change((table) => updateInput(table, index, { expression: event.currentTarget.value }))}
                        />
                        <button type="button" class="button button-small icon-button" aria-label={`Remove input column ${inputLabel(index)}`} title="Remove this column" onClick={() => change((table) => removeInput(table, index), true)}>
                          ✕
                        </button>
                      </span>
                      <FieldMessages id={messageId(target)} messages={messages(target)} />
                    </th>
                  );
                }}
              </Index>
              <Index each={props.table.outputs}>
                {(column, index) => {
                  const target = { kind: "output", index } as const;
                  return (
                    <th scope="col" class="column-output" data-column-kind="outputs" data-column-index={index}>
                      <span class="column-kind">then</span>
                      <span class="column-edit">
                        <input
                          type="text"
                          class="mono"
                          aria-label={`Output column ${column().id}: path`}
                          placeholder="path, e.g. prices.base"
                          value={column().path}
                          aria-invalid={messages(target) ? "true" : undefined}
                          aria-describedby={messages(target) ? messageId(target) : undefined}
                          onInput={(event) => change((table) => updateOutput(table, index, { path: event.currentTarget.value }))}
                        />
                        <button type="button" class="button button-small icon-button" aria-label={`Remove output column ${outputLabel(index)}`} title="Remove this column" onClick={() => change((table) => removeOutput(table, index), true)}>
                          ✕
                        </button>
                      </span>
                      <FieldMessages id={messageId(target)} messages={messages(target)} />
                    </th>
                  );
                }}
              </Index>
              <th scope="col"><span class="sr-only">Row actions</span></th>
            </tr>
          </thead>
          <tbody>
            <Show when={props.table.rows.length === 0}>
              <tr><td colSpan={props.table.inputs.length + props.table.outputs.length + 3} class="muted">No rows: the table never matches. Add one with “Add row”.</td></tr>
            </Show>
            <Index each={props.table.rows}>
              {(row, rowIndex) => {
                const number = rowIndex + 1;
                const rowTarget = { kind: "row", row: rowIndex } as const;
                return (
                  <tr data-row={number} classList={{ inactive: row().active === false }}>
                    <th scope="row" class="row-number">
                      {number}
                      <FieldMessages id={messageId(rowTarget)} messages={messages(rowTarget)} />
                    </th>
                    <td class="cell-active">
                      <input
                        type="checkbox"
                        aria-label={`Row ${number}: active`}
                        checked={row().active !== false}
                        aria-describedby={messages(rowTarget) ? messageId(rowTarget) : undefined}
                        onChange={(event) => change((table) => setActive(table, rowIndex, event.currentTarget.checked))}
                      />
                    </td>
                    <Index each={props.table.inputs}>
                      {(column, columnIndex) => {
                        const target = () => ({ kind: "condition", row: rowIndex, column: column().id }) as const;
                        return (
                          <ConditionCell
                            label={`Row ${number}, ${inputLabel(columnIndex)}`}
                            condition={conditionOf(row(), column().id)}
                            messages={messages(target())}
                            messageId={messageId(target())}
                            onOperator={(op) => change((table) => setOperator(table, rowIndex, column().id, op))}
                            onValue={(value) => change((table) => setConditionValue(table, rowIndex, column().id, value))}
                            onBound={(bound, value) => change((table) => setBound(table, rowIndex, column().id, bound, value))}
                          />
                        );
                      }}
                    </Index>
                    <Index each={props.table.outputs}>
                      {(column, columnIndex) => {
                        const target = () => ({ kind: "cell", row: rowIndex, column: column().id }) as const;
                        const cell = () => outputCellOf(row(), column().id);
                        return (
                          <OutputCellEditor
                            label={`Row ${number}, ${outputLabel(columnIndex)}`}
                            cell={cell()}
                            messages={messages(target())}
                            messageId={messageId(target())}
                            onKind={(kind) => change((table) => setOutputKind(table, rowIndex, column().id, kind))}
                            onCell={(next) => change((table) => setOutputCell(table, rowIndex, column().id, next))}
                          />
                        );
                      }}
                    </Index>
                    <td class="row-actions">
                      <button type="button" class="button button-small icon-button" aria-label={`Move row ${number} up`} title="Move up" disabled={rowIndex === 0} onClick={() => change((table) => moveRow(table, rowIndex, rowIndex - 1), true)}>↑</button>
                      <button type="button" class="button button-small icon-button" aria-label={`Move row ${number} down`} title="Move down" disabled={rowIndex === props.table.rows.length - 1} onClick={() => change((table) => moveRow(table, rowIndex, rowIndex + 1), true)}>↓</button>
                      <button type="button" class="button button-small icon-button" aria-label={`Delete row ${number}`} title="Delete row" onClick={() => change((table) => removeRow(table, rowIndex), true)}>✕</button>
                    </td>
                  </tr>
                );
              }}
            </Index>
          </tbody>
        </table>
      </div>
    </div>
  );
}

/** What a screen reader calls a column: its name, else its expression (or path), else its id. */
function columnLabel(name: string | undefined, text: string | undefined, id: string | undefined): string {
  return name || text || id || "column";
}

function FieldMessages(props: { id: string; messages: string[] | undefined }) {
  return (
    <Show when={props.messages?.length}>
      <ul class="field-error" id={props.id}>
        <For each={props.messages}>{(message) => <li>{message}</li>}</For>
      </ul>
    </Show>
  );
}

type ConditionValue = ReturnType<typeof conditionOf>;

function ConditionCell(props: {
  label: string;
  condition: ConditionValue;
  messages: string[] | undefined;
  messageId: string;
  onOperator: (op: Operator) => void;
  onValue: (value: Scalar | Scalar[]) => void;
  onBound: (bound: 0 | 1, value: Scalar) => void;
}) {
  const invalid = () => Boolean(props.messages);
  const select = (event: { currentTarget: HTMLSelectElement }) => props.onOperator(event.currentTarget.value as Operator);
  // A stored scalar operator always has a value (the API checks); "" stands in all the same.
  const value = () => (props.condition.value === undefined ? "" : props.condition.value) as Scalar;
  const range = () => (Array.isArray(props.condition.value) ? props.condition.value : ["", ""]) as [Scalar, Scalar];
  const list = () => (Array.isArray(props.condition.value) ? props.condition.value : []) as Scalar[];
  return (
    <td class="cell-input">
      <div class="cell-controls">
        <select class="operator" aria-label={`${props.label}: operator`} aria-invalid={invalid() ? "true" : undefined} aria-describedby={invalid() ? props.messageId : undefined} onChange={select}>
          <For each={OPERATORS}>{(item) => <option value={item.op} selected={item.op === props.condition.op}>{item.label}</option>}</For>
        </select>
        <Switch>
          <Match when={valueShape(props.condition.op) === "scalar"}>
            <ValueInput label={`${props.label}: value`} value={value()} format={formatScalar} parse={parseScalar} onValue={props.onValue} invalid={invalid()} describedBy={props.messageId} />
          </Match>
          <Match when={valueShape(props.condition.op) === "range"}>
            <ValueInput label={`${props.label}: from`} value={range()[0]} format={formatScalar} parse={parseScalar} onValue={(low) => props.onBound(0, low)} invalid={invalid()} describedBy={props.messageId} class="bound" />
            <span class="muted" aria-hidden="true">–</span>
            <ValueInput label={`${props.label}: to`} value={range()[1]} format={formatScalar} parse={parseScalar} onValue={(high) => props.onBound(1, high)} invalid={invalid()} describedBy={props.messageId} class="bound" />
          </Match>
          <Match when={valueShape(props.condition.op) === "list"}>
            <ValueInput label={`${props.label}: values, separated by commas`} value={list()} format={formatList} parse={parseList} onValue={props.onValue} invalid={invalid()} describedBy={props.messageId} placeholder="a, b, c" />
          </Match>
        </Switch>
      </div>
      <FieldMessages id={props.messageId} messages={props.messages} />
    </td>
  );
}

function OutputCellEditor(props: {
  label: string;
  cell: ReturnType<typeof outputCellOf>;
  messages: string[] | undefined;
  messageId: string;
  onKind: (kind: OutputKind) => void;
  onCell: (cell: ReturnType<typeof outputCellOf>) => void;
}) {
  const kind = () => outputKind(props.cell);
  return (
    <td class="cell-output" classList={{ expression: kind() === "expression" }}>
      <div class="cell-controls">
        <select class="output-kind" aria-label={`${props.label}: kind`} onChange={(event) => props.onKind(event.currentTarget.value as OutputKind)}>
          <option value="value" selected={kind() === "value"}>value</option>
          <option value="expression" selected={kind() === "expression"}>expression</option>
        </select>
        <ValueInput
          label={`${props.label}: ${kind()}`}
          value={props.cell}
          format={outputCellText}
          parse={(text) => outputCellFromText(kind(), text)}
          onValue={props.onCell}
          invalid={Boolean(props.messages)}
          describedBy={props.messageId}
          placeholder={kind() === "value" ? "null" : "expression"}
          class="mono"
        />
      </div>
      <FieldMessages id={props.messageId} messages={props.messages} />
    </td>
  );
}

/**
 * A text input for a value read from what is typed. The text stays as typed while it reads as the
 * value ("1." while typing 1.5), and shows the value's own text once the input loses focus.
 */
function ValueInput<T>(props: {
  label: string;
  value: T;
  format: (value: T) => string;
  parse: (text: string) => T;
  onValue: (value: T) => void;
  /** Marks the input invalid, described by the messages under it. */
  invalid?: boolean;
  describedBy?: string;
  placeholder?: string;
  class?: string;
}) {
  const [text, setText] = createSignal(untrack(() => props.format(props.value)));
  createEffect(on(() => props.value, (value) => {
    if (!sameValue(props.parse(untrack(text)), value)) setText(props.format(value));
  }, { defer: true }));
  return (
    <input
      type="text"
      class={props.class}
      aria-label={props.label}
      placeholder={props.placeholder}
      value={text()}
      aria-invalid={props.invalid ? "true" : undefined}
      aria-describedby={props.invalid ? props.describedBy : undefined}
      onInput={(event) => {
        setText(event.currentTarget.value);
        props.onValue(props.parse(event.currentTarget.value));
      }}
      onBlur={() => setText(props.format(props.value))}
    />
  );
}

// ---- The draft: a new version in the making ----

interface StoredDraft {
  baseVersion: number;
  definition: Table;
}

const draftKey = (ruleId: string) => `flowjobs.decision-table-draft.${ruleId}`;

/** The unsaved edits kept for a rule, if any (a broken entry is dropped, never a crash). */
export function storedTableDraft(ruleId: string): StoredDraft | undefined {
  const text = localStorage.getItem(draftKey(ruleId));
  if (!text) return undefined;
  try {
    const stored = JSON.parse(text) as Partial<StoredDraft> | null;
    if (stored && typeof stored.baseVersion === "number" && stored.definition && typeof stored.definition === "object") {
      return { baseVersion: stored.baseVersion, definition: tableOf(stored.definition) };
    }
  } catch (error) {
    console.warn(`dropping the unreadable decision table draft of ${ruleId}`, error);
  }
  localStorage.removeItem(draftKey(ruleId));
  return undefined;
}

/**
 * Editing a new version of a decision table, starting from `base` (or the edits kept in the browser
 * from it). Save creates the next version; Save and publish publishes it too.
 */
export function DecisionTableDraft(props: { rule: string; base: Rule; onSaved: (version: number) => void; onCancel: () => void }) {
  const ruleId = props.base.ruleId;
  const baseTable = tableOf(props.base.definition);
  const kept = storedTableDraft(ruleId);
  // Edits kept from another version are not this draft's (the page opens a kept draft on its version).
  const stored = kept?.baseVersion === props.base.version ? kept : undefined;
  const [table, setTable] = createSignal<Table>(stored?.definition ?? baseTable);
  const [placed, setPlaced] = createSignal<PlacedErrors>();
  const [problem, setProblem] = createSignal<unknown>();
  const [busy, setBusy] = createSignal(false);
  const save = useAction(saveRuleVersion);
  const dirty = createMemo(() => !sameValue(table(), baseTable));

  // Unsaved edits survive a reload or a closed tab; leaving the page with them asks first.
  createEffect(() => {
    if (dirty()) localStorage.setItem(draftKey(ruleId), JSON.stringify({ baseVersion: props.base.version, definition: table() } satisfies StoredDraft));
    else localStorage.removeItem(draftKey(ruleId));
  });
  createEffect(() => {
    if (!dirty()) return;
    const guard = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      // Chromium before 119 asks only when returnValue is set.
      event.returnValue = "";
    };
    window.addEventListener("beforeunload", guard);
    onCleanup(() => window.removeEventListener("beforeunload", guard));
  });

  const onChange = (next: Table, structural: boolean) => {
    setTable(next);
    // Errors are placed by row and column index, which a structural change shifts.
    if (structural && placed()) setPlaced({ byTarget: {}, unplaced: placed()!.unplaced });
  };

  const submit = async (publish: boolean) => {
    setBusy(true);
    setProblem(undefined);
    setPlaced(undefined);
    try {
      const created = await save(props.rule, table(), publish);
      localStorage.removeItem(draftKey(ruleId));
      props.onSaved(created.version);
    } catch (caught) {
      setProblem(caught);
      if (caught instanceof ProblemError && caught.status === 422 && caught.problem.errors?.length) setPlaced(placeErrors(table(), caught.problem.errors));
    } finally {
      setBusy(false);
    }
  };
  const discard = () => {
    localStorage.removeItem(draftKey(ruleId));
    props.onCancel();
  };
  const invalid = () => (problem() instanceof ProblemError && placed() ? (problem() as ProblemError).problem : undefined);

  return (
    <section class="card table-draft" aria-labelledby={`${ruleId}-draft-heading`}>
      <div class="table-draft-head">
        <div>
          <h3 id={`${ruleId}-draft-heading`}>New version</h3>
          <p class="muted small">
            From version {props.base.version}
            {stored ? " · your unsaved edits from an earlier visit, kept in this browser" : ""}
            {dirty() ? " · unsaved changes" : ""}
          </p>
        </div>
        <div class="table-draft-actions">
          <button type="button" class="button button-primary" disabled={busy()} onClick={() => submit(false)}>{busy() ? "Saving…" : "Save"}</button>
          <button type="button" class="button" disabled={busy()} onClick={() => submit(true)}>Save and publish</button>
          <Show when={dirty()} fallback={<button type="button" class="button" disabled={busy()} onClick={discard}>Cancel</button>}>
            <ConfirmButton label="Cancel" class="button" question="Discard your changes?" confirmLabel="Discard" onConfirm={discard} disabled={busy()} />
          </Show>
        </div>
      </div>
      <Show when={problem()}>
        <Show when={invalid()} fallback={<ProblemMessage error={problem()} />}>
          {(refusal) => (
            <div class="problem" role="alert">
              <strong>{refusal().title}</strong>
              <p>
                {refusal().detail} {Object.keys(placed()!.byTarget).length > 0 ? "Each is shown on the cell or column it names." : ""}
              </p>
              <Show when={placed()!.unplaced.length}>
                <ul>
                  <For each={placed()!.unplaced}>{(error) => <li><code>{error.path}</code> {error.message}</li>}</For>
                </ul>
              </Show>
            </div>
          )}
        </Show>
      </Show>
      <DecisionTableEditor table={table()} onChange={onChange} errors={placed()?.byTarget} />
    </section>
  );
}

/** Publishes a saved version (jobs whose BUSINESS_RULE asks for "latest" then use it). */
export function PublishVersionButton(props: { rule: string; version: number }) {
  const publish = useAction(publishRuleVersion);
  const [busy, setBusy] = createSignal(false);
  const [problem, setProblem] = createSignal<unknown>();
  const run = async () => {
    setBusy(true);
    setProblem(undefined);
    try {
      await publish(props.rule, props.version);
    } catch (caught) {
      setProblem(caught);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class="button button-primary" disabled={busy()} onClick={run}>{busy() ? "Publishing…" : "Publish"}</button>
      <Show when={problem()}><ProblemMessage error={problem()} /></Show>
    </>
  );
}
