// The node inspector's form, derived from the JSON Schema of a node type's data (GET /api/node-types):
// which control each field gets, and the pure edits of `data` those controls make. The schema's
// string fields say what they hold (`format: "jsonata"`, `format: "javascript"`, `x-connector`,
// `x-rule`, from worker/flow/nodes/fields.ts); anything this module does not know becomes JSON text.

export type JsonSchema = { [keyword: string]: unknown };

/** What one field's control edits; `value` and `item` describe the entries of maps and lists. */
export type Control =
  | { kind: "text"; multiline: boolean }
  | { kind: "expression" }
  | { kind: "code"; language: "javascript" }
  | { kind: "select"; options: (string | number | boolean)[] }
  | { kind: "connector"; connectorType: string }
  | { kind: "rule" }
  | { kind: "number"; integer: boolean; minimum?: number; maximum?: number }
  | { kind: "boolean" }
  /** An object of named entries (ASSIGN's assign and vars, REST_API's headers). */
  | { kind: "map"; value: Control }
  /** An array of single values (DATABASE_* params). */
  | { kind: "list"; item: Control }
  /** An array of objects, each with its own fields (SWITCH cases). */
  | { kind: "objects"; fields: Field[] }
  /** One of several shapes (BUSINESS_RULE version: a number or "latest"). */
  | { kind: "union"; choices: Choice[] }
  | { kind: "json" };

export type Choice = { kind: "const"; label: string; value: string | number | boolean | null } | { kind: "field"; label: string; control: Control };

export type Field = Control & {
  /** The property's name in data: also the field's label and the start of its error paths. */
  key: string;
  label: string;
  description?: string;
  required: boolean;
  /** What the node uses when the field is left out. */
  default?: unknown;
};

/** The fields of an object schema, in the schema's property order. */
export function fieldsOf(schema: JsonSchema | undefined): Field[] {
  const properties = isObject(schema?.properties) ? schema.properties : {};
  const required = Array.isArray(schema?.required) ? schema.required : [];
  return Object.entries(properties).map(([key, property]) => {
    const propertySchema = isObject(property) ? property : {};
    const field: Field = { ...controlOf(propertySchema), key, label: key, required: required.includes(key) };
    if (typeof propertySchema.description === "string") field.description = propertySchema.description;
    if ("default" in propertySchema) field.default = propertySchema.default;
    return field;
  });
}

/** The control for a value of `schema`. */
export function controlOf(schema: JsonSchema): Control {
  // A value that may also be null is edited as the value: leaving it empty leaves it out.
  const alternatives = (Array.isArray(schema.anyOf) ? schema.anyOf : Array.isArray(schema.oneOf) ? schema.oneOf : null)?.filter(isObject).filter((alternative) => alternative.type !== "null");
  if (alternatives && alternatives.length > 0) {
    if (alternatives.length === 1) return controlOf(alternatives[0]);
    return { kind: "union", choices: alternatives.map(choiceOf) };
  }
  if (Array.isArray(schema.enum)) return { kind: "select", options: schema.enum.filter(isPrimitive) };
  if ("const" in schema && isPrimitive(schema.const)) return { kind: "select", options: [schema.const] };
  switch (schema.type) {
    case "string":
      if (schema.format === "jsonata") return { kind: "expression" };
      if (schema.format === "javascript") return { kind: "code", language: "javascript" };
      if (typeof schema["x-connector"] === "string") return { kind: "connector", connectorType: schema["x-connector"] };
      if (schema["x-rule"] === true) return { kind: "rule" };
      return { kind: "text", multiline: schema.format === "sql" };
    case "integer":
    case "number":
      return numberControl(schema);
    case "boolean":
      return { kind: "boolean" };
    case "object":
      if (isObject(schema.additionalProperties) && !isObject(schema.properties)) {
        const value = controlOf(schema.additionalProperties);
        if (isSingleValue(value)) return { kind: "map", value };
      }
      return { kind: "json" };
    case "array":
      if (isObject(schema.items)) {
        const item = controlOf(schema.items);
        if (isSingleValue(item)) return { kind: "list", item };
        if (schema.items.type === "object" && isObject(schema.items.properties)) return { kind: "objects", fields: fieldsOf(schema.items) };
      }
      return { kind: "json" };
    default:
      return { kind: "json" };
  }
}

function numberControl(schema: JsonSchema): Control {
  const integer = schema.type === "integer";
  const control: Control = { kind: "number", integer };
  // zod writes a safe-integer bound on every .int(): not a limit worth showing.
  const minimum = typeof schema.minimum === "number" ? schema.minimum : typeof schema.exclusiveMinimum === "number" ? schema.exclusiveMinimum + (integer ? 1 : 0) : undefined;
  const maximum = typeof schema.maximum === "number" ? schema.maximum : typeof schema.exclusiveMaximum === "number" ? schema.exclusiveMaximum - (integer ? 1 : 0) : undefined;
  if (minimum !== undefined && Math.abs(minimum) < Number.MAX_SAFE_INTEGER) control.minimum = minimum;
  if (maximum !== undefined && Math.abs(maximum) < Number.MAX_SAFE_INTEGER) control.maximum = maximum;
  return control;
}

function choiceOf(schema: JsonSchema): Choice {
  if ("const" in schema && (isPrimitive(schema.const) || schema.const === null)) return { kind: "const", label: String(schema.const), value: schema.const };
  if (Array.isArray(schema.enum) && schema.enum.length === 1 && isPrimitive(schema.enum[0])) return { kind: "const", label: String(schema.enum[0]), value: schema.enum[0] };
  const control = controlOf(schema);
  return { kind: "field", label: typeLabel(control), control };
}

/** "a number", "an expression", … — how a union's select names a choice that takes a value. */
function typeLabel(control: Control): string {
  switch (control.kind) {
    case "number":
      return control.integer ? "a whole number" : "a number";
    case "expression":
      return "an expression";
    case "boolean":
      return "yes or no";
    case "text":
      return "text";
    default:
      return "a value";
  }
}

/** Controls that edit one string, number or boolean (what a map entry or a list item can be). */
function isSingleValue(control: Control): boolean {
  return ["text", "expression", "code", "select", "connector", "rule", "number", "boolean"].includes(control.kind);
}

/** Which of a union's choices `value` is (default: the field's default, else the first choice). */
export function choiceIndex(choices: Choice[], value: unknown): number {
  const constant = choices.findIndex((choice) => choice.kind === "const" && choice.value === value);
  if (constant !== -1) return constant;
  const typed = choices.findIndex((choice) => choice.kind === "field" && fits(choice.control, value));
  return typed === -1 ? 0 : typed;
}

function fits(control: Control, value: unknown): boolean {
  switch (control.kind) {
    case "number":
      return typeof value === "number";
    case "boolean":
      return typeof value === "boolean";
    case "text":
    case "expression":
    case "code":
    case "connector":
    case "rule":
      return typeof value === "string";
    default:
      return false;
  }
}

/**
 * `data` with `key` set to `value`, other keys in their order. An empty value (undefined, "", an
 * empty list or map) of an optional field removes the key: the node then uses the field's default.
 */
export function withField(data: Record<string, unknown> | undefined, field: Pick<Field, "key" | "required">, value: unknown): Record<string, unknown> {
  const next = { ...(data ?? {}) };
  if (value === undefined || (!field.required && isEmpty(value))) delete next[field.key];
  else next[field.key] = value;
  return next;
}

function isEmpty(value: unknown): boolean {
  if (value === "" || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isObject(value) && Object.keys(value).length === 0;
}

/** A number input's text as the number it saves; "" is no value. Text that is no number is kept as text, so the save names the field. */
export function numberFrom(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  const number = Number(trimmed);
  return Number.isFinite(number) ? number : trimmed;
}

/** The rows a map control edits, in the object's order. */
export function mapRows(value: unknown): [key: string, value: unknown][] {
  return isObject(value) ? Object.entries(value) : [];
}

/** The object of a map control's rows: rows without a key are not saved yet; a later row of the same key wins. */
export function mapOf(rows: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (const [key, value] of rows) if (key !== "") map[key] = value;
  return map;
}

/** The path of a map entry, a list item or an item's field, as the save's errors name it ("assign.total", "params[0]", "cases[1].when"). */
export function entryPath(key: string, entry: string | number, field?: string): string {
  const path = typeof entry === "number" ? `${key}[${entry}]` : `${key}.${entry}`;
  return field === undefined ? path : `${path}.${field}`;
}

export interface FieldError {
  field: string;
  message: string;
}

/** The errors of exactly `path`. */
export function errorsAt(errors: readonly FieldError[], path: string): FieldError[] {
  return errors.filter((error) => error.field === path);
}

/**
 * Errors no control shows: not `name`, not at any of `paths` (every path a control shows errors
 * of). The inspector lists them above the form (WAIT's "needs exactly one of seconds or until").
 */
export function unplacedErrors(errors: readonly FieldError[], paths: readonly string[]): FieldError[] {
  const placed = new Set(["name", ...paths]);
  return errors.filter((error) => !placed.has(error.field));
}

/** Every path the controls for `fields` over `data` show errors of: each field, and each entry they render. */
export function controlPaths(fields: readonly Field[], data: Record<string, unknown> | undefined): string[] {
  const paths: string[] = [];
  for (const field of fields) {
    paths.push(field.key);
    const value = data?.[field.key];
    if (field.kind === "map") for (const [key] of mapRows(value)) paths.push(entryPath(field.key, key));
    if ((field.kind === "list" || field.kind === "objects") && Array.isArray(value)) {
      value.forEach((item, index) => {
        paths.push(entryPath(field.key, index));
        if (field.kind === "objects") for (const sub of field.fields) paths.push(entryPath(field.key, index, sub.key));
      });
    }
  }
  return paths;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPrimitive(value: unknown): value is string | number | boolean {
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean";
}
