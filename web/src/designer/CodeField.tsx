// CODE's `code` in the node inspector: the body of `(context) => value`, in CodeMirror with JavaScript
// highlighting. The sandbox compiles it on save; its errors (with line and column) show under the field.
import { javascript } from "@codemirror/lang-javascript";
import { CodeEditor, type EditorProps } from "./ExpressionField";

const javascriptLanguage = javascript();

export function CodeField(props: EditorProps) {
  return (
    <CodeEditor
      label={props.label}
      value={props.value}
      onChange={props.onChange}
      invalid={props.invalid}
      describedBy={props.describedBy}
      readOnly={props.readOnly}
      placeholder={props.placeholder}
      language={javascriptLanguage}
      class="javascript-editor"
      multiline
    />
  );
}
