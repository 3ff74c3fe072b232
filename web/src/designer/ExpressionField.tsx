// A JSONata expression field of the node inspector: a small CodeMirror 6 editor with JSONata
// highlighting (lib/jsonata-highlight.ts) and the save's parse check as you type (lib/jsonata-check.ts),
// whose message sits under the field. CodeEditor, the editor itself, is shared with CodeField.
import { defaultKeymap, history, historyKeymap } from "@codemirror/commands";
import { StreamLanguage, syntaxHighlighting } from "@codemirror/language";
import { Annotation, Compartment, EditorState, type Extension } from "@codemirror/state";
import { EditorView, keymap, placeholder as placeholderText } from "@codemirror/view";
import { createEffect, createMemo, createSignal, createUniqueId, on, onCleanup, onMount, Show } from "solid-js";
import { describeJsonataProblem, jsonataProblem } from "../lib/jsonata-check";
import { codeHighlighter, jsonataParser } from "../lib/jsonata-highlight";

/** The event a test dispatches on an editor (or anything inside it) to replace its text: `setEditorText`. */
export const SET_TEXT_EVENT = "flowjobs:set-text";

/**
 * Replaces the text of the editor at or around `element`, as if typed (the field's onChange runs).
 * For tests; in a browser test: `locator.evaluate((el, text) => el.dispatchEvent(new CustomEvent("flowjobs:set-text", { detail: text, bubbles: true })), text)`.
 */
export function setEditorText(element: Element, text: string): void {
  element.dispatchEvent(new CustomEvent(SET_TEXT_EVENT, { detail: text, bubbles: true }));
}

/** Marks changes that come from props, so they are not reported back as edits. */
const fromProps = Annotation.define<boolean>();
const jsonataLanguage = StreamLanguage.define(jsonataParser);

export interface EditorProps {
  /** The accessible name of the editable area (the field's name, e.g. "url", "assign value 1"). */
  label: string;
  value: string;
  onChange(value: string): void;
  invalid?: boolean;
  /** Ids of the elements that describe the field (its help, its errors). */
  describedBy?: string;
  readOnly?: boolean;
  placeholder?: string;
}

/** CodeMirror over `props.value` with `language`; Tab leaves the field (no indentWithTab), so the form stays keyboard-navigable. */
export function CodeEditor(props: EditorProps & { language: Extension; class: string; multiline: boolean }) {
  let host!: HTMLDivElement;
  let view: EditorView | undefined;
  const attributes = new Compartment();
  const editable = new Compartment();
  const hint = new Compartment();

  const contentAttributes = () =>
    EditorView.contentAttributes.of({
      "aria-label": props.label,
      ...(props.invalid ? { "aria-invalid": "true" } : {}),
      ...(props.describedBy ? { "aria-describedby": props.describedBy } : {}),
    });
  const editability = () => [EditorView.editable.of(!props.readOnly), EditorState.readOnly.of(Boolean(props.readOnly))];

  onMount(() => {
    view = new EditorView({
      parent: host,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          props.language,
          syntaxHighlighting(codeHighlighter),
          EditorView.lineWrapping,
          attributes.of(contentAttributes()),
          editable.of(editability()),
          hint.of(props.placeholder ? placeholderText(props.placeholder) : []),
          EditorView.updateListener.of((update) => {
            if (!update.docChanged || update.transactions.some((transaction) => transaction.annotation(fromProps))) return;
            props.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    const setText = (event: Event) => {
      if (!view || props.readOnly) return;
      view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: String((event as CustomEvent).detail ?? "") } });
    };
    host.addEventListener(SET_TEXT_EVENT, setText);
    onCleanup(() => host.removeEventListener(SET_TEXT_EVENT, setText));
  });
  onCleanup(() => view?.destroy());

  createEffect(
    on(
      () => props.value,
      (value) => {
        if (!view || value === view.state.doc.toString()) return;
        view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: value }, annotations: fromProps.of(true) });
      },
      { defer: true },
    ),
  );
  createEffect(on([() => props.label, () => props.invalid, () => props.describedBy], () => view?.dispatch({ effects: attributes.reconfigure(contentAttributes()) }), { defer: true }));
  createEffect(on(() => props.readOnly, () => view?.dispatch({ effects: editable.reconfigure(editability()) }), { defer: true }));
  createEffect(on(() => props.placeholder, (text) => view?.dispatch({ effects: hint.reconfigure(text ? placeholderText(text) : []) }), { defer: true }));

  return <div ref={host} class={`code-editor ${props.class}`} classList={{ "code-editor-invalid": Boolean(props.invalid), "code-editor-multiline": props.multiline }} />;
}

/** A JSONata expression: highlighted, and checked as it is typed ("Syntax error at 7: …" under it). */
export function ExpressionField(props: EditorProps & { multiline?: boolean }) {
  const problemId = createUniqueId();
  const [text, setText] = createSignal(props.value);
  createEffect(on(() => props.value, setText, { defer: true }));
  const problem = createMemo(() => jsonataProblem(text()));
  const describedBy = () => [props.describedBy, problem() ? problemId : undefined].filter(Boolean).join(" ") || undefined;
  return (
    <div class="expression-field">
      <CodeEditor
        label={props.label}
        value={props.value}
        onChange={(value) => {
          setText(value);
          props.onChange(value);
        }}
        invalid={props.invalid || problem() !== null}
        describedBy={describedBy()}
        readOnly={props.readOnly}
        placeholder={props.placeholder}
        language={jsonataLanguage}
        class="expression-editor"
        multiline={props.multiline ?? false}
      />
      <Show when={problem()}>
        {(found) => (
          <p id={problemId} class="field-problem" aria-live="polite">
            {describeJsonataProblem(found())}
          </p>
        )}
      </Show>
    </div>
  );
}
