// An example input that passes a flow's inputSchema (JSON Schema draft 2020-12), for the curl line
// the console shows: `{}` is refused by every schema with a required property, so the line would
// start a job that fails at START.

type Schema = Record<string, unknown>;

// A schema that refers to itself (through $ref) would recurse forever: past this depth, null.
const MAX_DEPTH = 12;

const isSchema = (value: unknown): value is Schema => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The example a schema gives itself (`examples`, then `default`, `const`, the first `enum` value),
 * or one built from its type: an object of its required properties, `minItems` items, a string of
 * the right format and length, a number within its bounds.
 */
export function exampleInput(schema: unknown): unknown {
  if (!isSchema(schema)) return {};
  const example = exampleOf(schema, schema, 0);
  return example === undefined ? {} : example;
}

function exampleOf(schema: unknown, root: Schema, depth: number): unknown {
  if (!isSchema(schema) || depth > MAX_DEPTH) return null;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if ("default" in schema) return schema.default;
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (typeof schema.$ref === "string") {
    const target = resolve(schema.$ref, root);
    if (target) return exampleOf({ ...target, ...withoutRef(schema) }, root, depth + 1);
  }
  if (Array.isArray(schema.allOf) && schema.allOf.length > 0) {
    return exampleOf(merge([...schema.allOf.filter(isSchema), withoutKey(schema, "allOf")]), root, depth + 1);
  }
  for (const key of ["anyOf", "oneOf"] as const) {
    const options = schema[key];
    if (Array.isArray(options) && options.length > 0) return exampleOf({ ...withoutKey(schema, key), ...options[0] }, root, depth + 1);
  }
  switch (typeOf(schema)) {
    case "object":
      return objectExample(schema, root, depth);
    case "array":
      return arrayExample(schema, root, depth);
    case "string":
      return stringExample(schema);
    case "integer":
      return numberExample(schema, true);
    case "number":
      return numberExample(schema, false);
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return {};
  }
}

/** The schema's type; the first that is not null when it lists several; guessed from its keywords when absent. */
function typeOf(schema: Schema): string | undefined {
  const type = schema.type;
  if (typeof type === "string") return type;
  if (Array.isArray(type)) return type.find((entry) => entry !== "null") ?? type[0];
  if ("properties" in schema || "required" in schema) return "object";
  if ("items" in schema || "prefixItems" in schema) return "array";
  if ("minLength" in schema || "maxLength" in schema || "format" in schema || "pattern" in schema) return "string";
  if ("minimum" in schema || "maximum" in schema || "exclusiveMinimum" in schema || "exclusiveMaximum" in schema) return "number";
  return undefined;
}

function objectExample(schema: Schema, root: Schema, depth: number): Record<string, unknown> {
  const properties = isSchema(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required.filter((name): name is string => typeof name === "string") : [];
  const example: Record<string, unknown> = {};
  // A required property without a schema of its own takes additionalProperties', else any value.
  for (const name of required) example[name] = exampleOf(properties[name] ?? schema.additionalProperties ?? {}, root, depth + 1);
  return example;
}

function arrayExample(schema: Schema, root: Schema, depth: number): unknown[] {
  const prefix = Array.isArray(schema.prefixItems) ? schema.prefixItems : [];
  const minItems = typeof schema.minItems === "number" ? schema.minItems : 0;
  const example: unknown[] = [];
  for (let index = 0; index < Math.max(minItems, 0); index++) {
    example.push(exampleOf(index < prefix.length ? prefix[index] : (schema.items ?? {}), root, depth + 1));
  }
  return example;
}

const FORMATTED: Record<string, string> = {
  "date-time": "2030-01-05T14:03:07Z",
  date: "2030-01-05",
  time: "14:03:07Z",
  duration: "PT1H",
  email: "ada@example.com",
  "idn-email": "ada@example.com",
  hostname: "example.com",
  "idn-hostname": "example.com",
  ipv4: "192.0.2.1",
  ipv6: "2001:db8::1",
  uri: "https://example.com/",
  "uri-reference": "https://example.com/",
  iri: "https://example.com/",
  "iri-reference": "https://example.com/",
  uuid: "00000000-0000-4000-8000-000000000000",
  "json-pointer": "/example",
  regex: ".*",
};

function stringExample(schema: Schema): string {
  const formatted = typeof schema.format === "string" ? FORMATTED[schema.format] : undefined;
  if (formatted) return formatted;
  const minLength = typeof schema.minLength === "number" ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === "number" ? schema.maxLength : Infinity;
  return "example".padEnd(minLength, "x").slice(0, maxLength);
}

function numberExample(schema: Schema, integer: boolean): number {
  const number = (key: string) => (typeof schema[key] === "number" ? (schema[key] as number) : undefined);
  const minimum = number("minimum");
  const exclusiveMinimum = number("exclusiveMinimum");
  const maximum = number("maximum");
  const exclusiveMaximum = number("exclusiveMaximum");
  const step = integer ? 1 : 0.5;
  // 1 when the bounds allow it (a count, a limit), else the lowest value above them, else the highest below.
  let value = 1;
  if (minimum !== undefined && value < minimum) value = integer ? Math.ceil(minimum) : minimum;
  if (exclusiveMinimum !== undefined && value <= exclusiveMinimum) value = integer ? Math.floor(exclusiveMinimum) + 1 : exclusiveMinimum + step;
  if (maximum !== undefined && value > maximum) value = integer ? Math.floor(maximum) : maximum;
  if (exclusiveMaximum !== undefined && value >= exclusiveMaximum) value = integer ? Math.ceil(exclusiveMaximum) - 1 : exclusiveMaximum - step;
  const multipleOf = number("multipleOf");
  if (multipleOf !== undefined && multipleOf > 0 && value % multipleOf !== 0) value = Math.ceil(value / multipleOf) * multipleOf;
  return value;
}

/** A `$ref` within the same schema: `#`, `#/$defs/name` or any JSON pointer from the root. */
function resolve(ref: string, root: Schema): Schema | undefined {
  if (ref === "#") return root;
  if (!ref.startsWith("#/")) return undefined;
  let target: unknown = root;
  for (const part of ref.slice(2).split("/")) {
    const key = decodeURIComponent(part).replace(/~1/g, "/").replace(/~0/g, "~");
    target = isSchema(target) ? target[key] : undefined;
  }
  return isSchema(target) ? target : undefined;
}

/** One schema a value passing all of `schemas` passes: required names joined, a property's schemas combined with allOf. */
function merge(schemas: Schema[]): Schema {
  const merged: Schema = {};
  const required = new Set<unknown>();
  const properties: Record<string, Schema[]> = {};
  for (const schema of schemas) {
    const { required: names, properties: own, ...rest } = schema;
    Object.assign(merged, rest);
    if (Array.isArray(names)) for (const name of names) required.add(name);
    if (isSchema(own)) for (const [name, property] of Object.entries(own)) if (isSchema(property)) (properties[name] ??= []).push(property);
  }
  if (required.size > 0) merged.required = [...required];
  const names = Object.keys(properties);
  if (names.length > 0) merged.properties = Object.fromEntries(names.map((name) => [name, properties[name].length === 1 ? properties[name][0] : { allOf: properties[name] }]));
  return merged;
}

const withoutKey = (schema: Schema, key: string): Schema => {
  const { [key]: _dropped, ...rest } = schema;
  return rest;
};
const withoutRef = (schema: Schema) => withoutKey(schema, "$ref");
