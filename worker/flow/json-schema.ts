// A flow's `inputSchema`: JSON Schema draft 2020-12, applied by START with @cfworker/json-schema (a
// validator that needs no eval or code generation, which Workers forbid). The schema is itself checked
// on save (JsonSchema, below) so a schema the validator cannot apply is refused before any job runs.
import { dereference, validate, type OutputUnit, type Schema } from "@cfworker/json-schema";
import { z } from "zod";
import { FlowFailure } from "./failure";

/** Keys and indexes from the root of a value to a problem, e.g. ["items", 0, "price"]. */
export type ValuePath = (string | number)[];

export interface SchemaProblem {
  path: ValuePath;
  message: string;
}

const DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema";

/**
 * Draft 2020-12's meta-schema, its vocabularies in one schema. The published meta-schema recurses
 * through `$dynamicRef`, which this validator does not implement; with no vocabulary extending it,
 * `$dynamicRef: "#meta"` means the root, so plain `$ref: "#"` checks the same.
 */
function metaSchema(): Schema {
  const schema = { $ref: "#" };
  const schemaArray = { type: "array", minItems: 1, items: schema };
  const schemaMap = { type: "object", additionalProperties: schema };
  const count = { type: "integer", minimum: 0 };
  const names = { type: "array", items: { type: "string" }, uniqueItems: true };
  const simpleTypes = { enum: ["array", "boolean", "integer", "null", "number", "object", "string"] };
  const anchor = { type: "string", pattern: "^[A-Za-z_][-A-Za-z0-9._]*$" };
  const meta = {
    type: ["object", "boolean"],
    properties: {
      $id: { type: "string", format: "uri-reference", pattern: "^[^#]*#?$" },
      $schema: { type: "string", format: "uri" },
      $ref: { type: "string", format: "uri-reference" },
      $anchor: anchor,
      $dynamicRef: { type: "string", format: "uri-reference" },
      $dynamicAnchor: anchor,
      $vocabulary: { type: "object", propertyNames: { type: "string", format: "uri" }, additionalProperties: { type: "boolean" } },
      $comment: { type: "string" },
      $defs: schemaMap,
      prefixItems: schemaArray,
      items: schema,
      contains: schema,
      additionalProperties: schema,
      properties: schemaMap,
      patternProperties: { type: "object", additionalProperties: schema, propertyNames: { format: "regex" } },
      dependentSchemas: schemaMap,
      propertyNames: schema,
      if: schema,
      then: schema,
      else: schema,
      allOf: schemaArray,
      anyOf: schemaArray,
      oneOf: schemaArray,
      not: schema,
      unevaluatedItems: schema,
      unevaluatedProperties: schema,
      type: { anyOf: [simpleTypes, { type: "array", items: simpleTypes, minItems: 1, uniqueItems: true }] },
      const: true,
      enum: { type: "array", items: true },
      multipleOf: { type: "number", exclusiveMinimum: 0 },
      maximum: { type: "number" },
      exclusiveMaximum: { type: "number" },
      minimum: { type: "number" },
      exclusiveMinimum: { type: "number" },
      maxLength: count,
      minLength: count,
      pattern: { type: "string", format: "regex" },
      maxItems: count,
      minItems: count,
      uniqueItems: { type: "boolean" },
      maxContains: count,
      minContains: count,
      maxProperties: count,
      minProperties: count,
      required: names,
      dependentRequired: { type: "object", additionalProperties: names },
      title: { type: "string" },
      description: { type: "string" },
      default: true,
      deprecated: { type: "boolean" },
      readOnly: { type: "boolean" },
      writeOnly: { type: "boolean" },
      examples: { type: "array", items: true },
      format: { type: "string" },
      contentEncoding: { type: "string" },
      contentMediaType: { type: "string" },
      contentSchema: schema,
      // Kept by the 2020-12 meta-schema for schemas written for older drafts.
      definitions: schemaMap,
      dependencies: { type: "object", additionalProperties: { anyOf: [schema, names] } },
    },
  };
  // A copy, so no subschema object appears at two places (the validator marks each with its location).
  return JSON.parse(JSON.stringify(meta));
}

interface Prepared {
  schema: Schema;
  lookup: Record<string, Schema | boolean>;
}

let meta: Prepared | null = null;

function prepareMeta(): Prepared {
  if (!meta) {
    const schema = metaSchema();
    meta = { schema, lookup: dereference(schema) };
  }
  return meta;
}

/** Subschemas by keyword (draft 2020-12's applicators, plus the older `definitions`/`dependencies`). */
const ONE_SCHEMA = ["items", "contains", "additionalProperties", "propertyNames", "if", "then", "else", "not", "unevaluatedItems", "unevaluatedProperties", "contentSchema"];
const SCHEMA_LISTS = ["prefixItems", "allOf", "anyOf", "oneOf"];
const SCHEMA_MAPS = ["$defs", "definitions", "properties", "patternProperties", "dependentSchemas"];
/** Applicators that apply to the same value: a cycle through only these would never end. */
const SAME_VALUE = new Set(["allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas"]);

interface Subschema {
  schema: Record<string, unknown>;
  path: ValuePath;
}

/** Every object subschema with its path in the schema; iterative, as a schema may be 64 levels deep. */
function subschemas(root: Record<string, unknown>): Subschema[] {
  const found: Subschema[] = [];
  const pending: Subschema[] = [{ schema: root, path: [] }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    found.push(next);
    for (const [keyword, value] of Object.entries(next.schema)) {
      const children: [ValuePath, unknown][] = [];
      if (ONE_SCHEMA.includes(keyword)) children.push([[keyword], value]);
      else if (SCHEMA_LISTS.includes(keyword) && Array.isArray(value)) value.forEach((item, index) => children.push([[keyword, index], item]));
      else if (SCHEMA_MAPS.includes(keyword) && isObject(value)) for (const [key, item] of Object.entries(value)) children.push([[keyword, key], item]);
      for (const [tail, child] of children) if (isObject(child)) pending.push({ schema: child, path: [...next.path, ...tail] });
    }
  }
  return found;
}

/** The schema the validator resolved `$ref` of `schema` to (dereference marks each $ref with its absolute URI). */
function refTarget(schema: Record<string, unknown>, lookup: Prepared["lookup"]): Schema | boolean | undefined {
  const uri = (schema as Schema).__absolute_ref__;
  return uri === undefined ? undefined : lookup[uri];
}

/** What makes a schema that passes the meta-schema still unusable here: $refs that lead nowhere or in a circle, unsupported keywords. */
function structuralProblems(prepared: Prepared): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const all = subschemas(prepared.schema as Record<string, unknown>);
  for (const { schema, path } of all) {
    for (const keyword of ["$dynamicRef", "$dynamicAnchor"]) {
      if (keyword in schema) problems.push({ path: [...path, keyword], message: `is not supported by the validator (@cfworker/json-schema); use $ref and $defs` });
    }
    if (typeof schema.$ref === "string" && refTarget(schema, prepared.lookup) === undefined) {
      problems.push({
        path: [...path, "$ref"],
        message: `points to '${schema.$ref}', which is not in this schema (a $ref may point into the schema by JSON pointer, $anchor or $id; other schemas are not fetched)`,
      });
    }
  }
  if (problems.length > 0) return problems;
  // A cycle of $refs and same-value applicators never looks deeper into the value: validation would never end.
  const pathOf = new Map(all.map(({ schema, path }) => [schema, path]));
  const state = new Map<object, "open" | "done">();
  for (const { schema: root } of all) {
    if (state.has(root)) continue;
    const stack: { schema: Record<string, unknown>; next: Record<string, unknown>[] }[] = [{ schema: root, next: sameValueChildren(root, prepared.lookup) }];
    state.set(root, "open");
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const child = top.next.pop();
      if (!child) {
        state.set(top.schema, "done");
        stack.pop();
      } else if (state.get(child) === "open") {
        const at = pathOf.get(top.schema) ?? [];
        problems.push({ path: at, message: "leads back to itself through $ref (or allOf, anyOf, oneOf, not, if) without looking into the value: validation would never end" });
        return problems;
      } else if (!state.has(child)) {
        state.set(child, "open");
        stack.push({ schema: child, next: sameValueChildren(child, prepared.lookup) });
      }
    }
  }
  return problems;
}

function sameValueChildren(schema: Record<string, unknown>, lookup: Prepared["lookup"]): Record<string, unknown>[] {
  const children: unknown[] = [];
  if (typeof schema.$ref === "string") children.push(refTarget(schema, lookup));
  for (const keyword of SAME_VALUE) {
    const value = schema[keyword];
    if (Array.isArray(value)) children.push(...value);
    else if (keyword === "dependentSchemas" && isObject(value)) children.push(...Object.values(value));
    else children.push(value);
  }
  return children.filter(isObject);
}

/** Everything wrong with `schema` as a flow's inputSchema; empty when START can apply it. */
export function schemaProblems(schema: unknown): SchemaProblem[] {
  const { schema: metaRoot, lookup: metaLookup } = prepareMeta();
  const checked = validate(schema, metaRoot, "2020-12", metaLookup, false);
  if (!checked.valid) return describe(checked.errors, metaRoot, metaLookup, schema);
  if (isObject(schema) && schema.$schema !== undefined && schema.$schema !== DRAFT_2020_12 && schema.$schema !== `${DRAFT_2020_12}#`) {
    return [{ path: ["$schema"], message: `must be ${DRAFT_2020_12} (or left out): schemas are checked as draft 2020-12` }];
  }
  try {
    return structuralProblems(prepare(schema as Schema));
  } catch (error) {
    // dereference refuses two subschemas claiming the same $id or $anchor.
    return [{ path: [], message: error instanceof Error ? error.message : String(error) }];
  }
}

/**
 * The save-time form (rules validation, the OpenAPI document): any object, refined by
 * schemaProblems, each problem at its path in the schema.
 */
export const JsonSchema = z.record(z.string(), z.unknown()).superRefine((schema, context) => {
  for (const problem of schemaProblems(schema)) context.addIssue({ code: "custom", path: problem.path, message: problem.message });
});

/** The validator's view of a schema, on a copy: it marks subschemas with hidden properties. */
function prepare(schema: Schema | boolean): Prepared {
  const copy = JSON.parse(JSON.stringify(schema)) as Schema;
  return { schema: copy, lookup: dereference(copy) };
}

/** The flow's schema never changes, so it is checked and prepared once per definition. */
const preparedSchemas = new WeakMap<object, Prepared>();

/** Problems with `value` as readable lines such as `input.items: is required`; empty when it conforms. */
export function checkJsonSchema(schema: Record<string, unknown>, value: unknown, prefix: string): string[] {
  let prepared = preparedSchemas.get(schema);
  if (!prepared) {
    const problems = schemaProblems(schema);
    if (problems.length > 0) {
      throw new FlowFailure(`the flow's inputSchema is not a valid schema: ${problems.map((problem) => `${formatPath("inputSchema", problem.path)}: ${problem.message}`).join("; ")}`);
    }
    prepared = prepare(schema);
    preparedSchemas.set(schema, prepared);
  }
  let errors: OutputUnit[];
  try {
    const result = validate(value, prepared.schema, "2020-12", prepared.lookup, false);
    if (result.valid) return [];
    errors = result.errors;
  } catch (error) {
    throw new FlowFailure(`the flow's inputSchema could not be applied: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  return describe(errors, prepared.schema, prepared.lookup, value).map((problem) => `${formatPath(prefix, problem.path)}: ${problem.message}`);
}

/** Errors that only say "a subschema had errors": the errors under them say which. */
const SUMMARIES = new Set([
  "properties",
  "patternProperties",
  "additionalProperties",
  "unevaluatedProperties",
  "items",
  "prefixItems",
  "additionalItems",
  "unevaluatedItems",
  "$ref",
  "$recursiveRef",
  "allOf",
  "if",
  "dependentSchemas",
  "dependencies",
]);
/** Errors about alternatives: the errors under them are why each alternative failed, not problems of their own. */
const ALTERNATIVES = new Set(["anyOf", "oneOf", "not", "contains", "propertyNames"]);

/** The validator's output units as one problem per failing path and keyword, in readable words. */
function describe(errors: OutputUnit[], root: Schema, lookup: Prepared["lookup"], value: unknown): SchemaProblem[] {
  // A `false` schema's error carries the value's location where the keyword's should be; it comes
  // right after the error of the keyword that applied it (additionalProperties, items, …), so it takes that one's.
  const located = errors.map((error, index) => ({ error, location: error.keyword === "false" && index > 0 ? `${errors[index - 1].keywordLocation}/` : error.keywordLocation }));
  const alternatives = errors.filter((error) => ALTERNATIVES.has(error.keyword)).map((error) => `${error.keywordLocation}/`);
  const kept = located
    .filter(({ error, location }) => !SUMMARIES.has(error.keyword) && !alternatives.some((prefix) => location.startsWith(prefix)))
    .map(({ error }) => error);
  const problems: SchemaProblem[] = [];
  const seen = new Set<string>();
  for (const error of kept) {
    for (const problem of explain(error, root, lookup, value)) {
      const key = JSON.stringify([problem.path, problem.message]);
      if (!seen.has(key)) {
        seen.add(key);
        problems.push(problem);
      }
    }
  }
  return problems;
}

function explain(error: OutputUnit, root: Schema, lookup: Prepared["lookup"], value: unknown): SchemaProblem[] {
  const path = pointerPath(error.instanceLocation, value);
  const at = (message: string): SchemaProblem[] => [{ path, message }];
  if (error.keyword === "false") return at("is not allowed here");
  const schema = schemaAt(root, lookup, error.keywordLocation);
  const rule = schema?.[error.keyword];
  const instance = valueAt(value, path);
  switch (error.keyword) {
    case "type": {
      const types: string[] = Array.isArray(rule) ? rule : [String(rule)];
      return at(`must be ${types.map(withArticle).join(" or ")}`);
    }
    case "enum":
      return at(`must be one of ${listed(Array.isArray(rule) ? rule : [])}`);
    case "const":
      return at(`must be ${JSON.stringify(rule)}`);
    case "required": {
      const missing = Array.isArray(rule) && isObject(instance) ? rule.filter((key) => typeof key === "string" && !Object.hasOwn(instance, key)) : [];
      return missing.map((key) => ({ path: [...path, key], message: "is required" }));
    }
    case "dependentRequired": {
      const problems: SchemaProblem[] = [];
      if (isObject(rule) && isObject(instance)) {
        for (const [key, needed] of Object.entries(rule)) {
          if (!Object.hasOwn(instance, key) || !Array.isArray(needed)) continue;
          for (const other of needed) if (!Object.hasOwn(instance, other)) problems.push({ path: [...path, other], message: `is required when '${key}' is present` });
        }
      }
      return problems.length > 0 ? problems : at(error.error);
    }
    case "minimum":
      return at(`must be at least ${rule}`);
    case "maximum":
      return at(`must be at most ${rule}`);
    case "exclusiveMinimum":
      return at(`must be greater than ${rule}`);
    case "exclusiveMaximum":
      return at(`must be less than ${rule}`);
    case "multipleOf":
      return at(`must be a multiple of ${rule}`);
    case "minLength":
      return at(`must be at least ${rule} characters long`);
    case "maxLength":
      return at(`must be at most ${rule} characters long`);
    case "pattern":
      return at(`must match the pattern /${rule}/`);
    case "format":
      return at(`must be a valid ${rule}`);
    case "minItems":
      return at(`must have at least ${rule} items`);
    case "maxItems":
      return at(`must have at most ${rule} items`);
    case "uniqueItems":
      return at(`must not repeat items (${error.error.replace(/\.$/, "").toLowerCase()})`);
    case "minProperties":
      return at(`must have at least ${rule} properties`);
    case "maxProperties":
      return at(`must have at most ${rule} properties`);
    case "contains":
    case "minContains":
    case "maxContains":
      return at(`must contain ${containsRule(schema)} items matching the schema in contains`);
    case "oneOf": {
      const matches = /\((\d+) matches\)/.exec(error.error)?.[1];
      return at(`must match exactly one of the schemas in oneOf (it matches ${matches === undefined || matches === "0" ? "none" : matches})`);
    }
    case "anyOf":
      return at("must match at least one of the schemas in anyOf");
    case "not":
      return at("must not match the schema in not");
    case "propertyNames": {
      const name = /^Property name "(.*)" does not match schema\.$/s.exec(error.error)?.[1];
      return at(name === undefined ? "has a property name that does not match propertyNames" : `has the property name ${JSON.stringify(name)}, which does not match propertyNames`);
    }
    default:
      return at(error.error);
  }
}

function containsRule(schema: Record<string, unknown> | undefined): string {
  const min = typeof schema?.minContains === "number" ? schema.minContains : 1;
  const max = typeof schema?.maxContains === "number" ? schema.maxContains : null;
  return max === null ? `at least ${min}` : `between ${min} and ${max}`;
}

/** The subschema holding the keyword at `location` (`#/properties/a/$ref/minimum`), following $refs as the validator did. */
function schemaAt(root: Schema, lookup: Prepared["lookup"], location: string): Record<string, unknown> | undefined {
  const segments = decodePointer(location).slice(0, -1);
  let current: unknown = root;
  for (const segment of segments) {
    if (!isObject(current) && !Array.isArray(current)) return undefined;
    if (segment === "$ref" && isObject(current) && typeof current.$ref === "string") current = refTarget(current, lookup);
    else current = (current as Record<string, unknown>)[segment];
  }
  return isObject(current) ? current : undefined;
}

/** `#/items/0/price` → ["items", 0, "price"], indexes as numbers where the value has an array. */
function pointerPath(location: string, value: unknown): ValuePath {
  const path: ValuePath = [];
  let current: unknown = value;
  for (const segment of decodePointer(location)) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) {
      path.push(Number(segment));
      current = current[Number(segment)];
    } else {
      path.push(segment);
      current = isObject(current) ? current[segment] : undefined;
    }
  }
  return path;
}

function decodePointer(location: string): string[] {
  const pointer = location.replace(/^#/, "");
  if (pointer === "") return [];
  return pointer
    .slice(1)
    .split("/")
    .map((segment) => decodeURIComponent(segment).replace(/~1/g, "/").replace(/~0/g, "~"));
}

function valueAt(value: unknown, path: ValuePath): unknown {
  let current = value;
  for (const segment of path) current = isObject(current) || Array.isArray(current) ? (current as Record<string | number, unknown>)[segment] : undefined;
  return current;
}

/** `input` + ["items", 0, "odd key"] → `input.items[0]["odd key"]`. */
export function formatPath(prefix: string, path: ValuePath): string {
  return path.reduce<string>((text, segment) => {
    if (typeof segment === "number") return `${text}[${segment}]`;
    return /^[A-Za-z_$][\w$]*$/.test(segment) ? `${text}.${segment}` : `${text}[${JSON.stringify(segment)}]`;
  }, prefix);
}

function listed(values: unknown[]): string {
  const shown = values.slice(0, 10).map((option) => JSON.stringify(option));
  return values.length > 10 ? `${shown.join(", ")}, … (${values.length} in all)` : shown.join(", ");
}

function withArticle(type: string): string {
  if (type === "null") return "null";
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
