// The JSON Schema subset a flow's `inputSchema` may use (type, required, properties, items, enum,
// minimum, maximum), checked by START. Other keywords are ignored rather than rejected, so schemas
// written for other tools still work.
import { z } from "zod";
import { FlowFailure } from "./failure";

const TYPE_NAMES = ["object", "array", "string", "number", "integer", "boolean", "null"] as const;
type TypeName = (typeof TYPE_NAMES)[number];

export interface JsonSchema {
  type?: TypeName | TypeName[];
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
}

const TypeName = z.enum(TYPE_NAMES);
export const JsonSchema: z.ZodType<JsonSchema> = z.lazy(() =>
  z.looseObject({
    type: z.union([TypeName, z.array(TypeName)]).optional(),
    required: z.array(z.string()).optional(),
    properties: z.record(z.string(), JsonSchema).optional(),
    items: JsonSchema.optional(),
    enum: z.array(z.unknown()).optional(),
    minimum: z.number().optional(),
    maximum: z.number().optional(),
  }),
);

/** The flow's schema never changes, so it is parsed once per definition. */
const parsedSchemas = new WeakMap<object, JsonSchema>();

/** Problems with `value` as readable lines such as `input.items: is required`; empty when it conforms. */
export function checkJsonSchema(schema: Record<string, unknown>, value: unknown, path: string): string[] {
  let parsed = parsedSchemas.get(schema);
  if (!parsed) {
    const result = JsonSchema.safeParse(schema);
    if (!result.success) {
      const problems = result.error.issues.map((issue) => `${["inputSchema", ...issue.path.map(String)].join(".")}: ${issue.message}`);
      throw new FlowFailure(`the flow's inputSchema is not a valid schema: ${problems.join("; ")}`);
    }
    parsed = result.data;
    parsedSchemas.set(schema, parsed);
  }
  const problems: string[] = [];
  check(parsed, value, path, problems);
  return problems;
}

function check(schema: JsonSchema, value: unknown, path: string, problems: string[]): void {
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    if (!types.some((type) => hasType(value, type))) {
      problems.push(`${path}: must be ${types.map(withArticle).join(" or ")}`);
      return;
    }
  }
  if (schema.enum !== undefined && !schema.enum.some((option) => sameJson(option, value))) {
    problems.push(`${path}: must be one of ${schema.enum.map((option) => JSON.stringify(option)).join(", ")}`);
  }
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) problems.push(`${path}: must be at least ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) problems.push(`${path}: must be at most ${schema.maximum}`);
  }
  if (isObject(value)) {
    for (const key of schema.required ?? []) {
      if (!Object.hasOwn(value, key)) problems.push(`${childPath(path, key)}: is required`);
    }
    for (const [key, propertySchema] of Object.entries(schema.properties ?? {})) {
      if (Object.hasOwn(value, key)) check(propertySchema, value[key], childPath(path, key), problems);
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, index) => check(schema.items!, item, `${path}[${index}]`, problems));
  }
}

function hasType(value: unknown, type: TypeName): boolean {
  switch (type) {
    case "object":
      return isObject(value);
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "null":
      return value === null;
    default:
      return typeof value === type;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function withArticle(type: TypeName): string {
  if (type === "null") return "null";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function childPath(path: string, key: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
}

/** JSON equality for `enum`: same primitive, or arrays/objects with equal members (key order ignored). */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameJson(item, b[index]));
  }
  if (!isObject(a) || !isObject(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && sameJson(a[key], b[key]));
}
