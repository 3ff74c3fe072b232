// The node inspector: the selected node's name and a form generated from its type's data schema
// (lib/schema-form.ts over GET /api/node-types). Expressions get a JSONata editor, CODE a JavaScript
// one, connectors and decision tables a picker of the space's own; each save error sits under its field.
import { createMemo, For, Show } from "solid-js";
import { controlPaths, errorsAt, fieldsOf, unplacedErrors, withField, type Field, type JsonSchema, type FieldError } from "../lib/schema-form";
import { TextInput } from "./inspector-parts";
import { FieldControl } from "./inspector-controls";
import type { FormContext } from "./inspector-controls";
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
