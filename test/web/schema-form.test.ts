// The inspector's schema-to-form mapping (web/src/lib/schema-form.ts) for every node type, from the
// JSON Schema GET /api/node-types serves (the handlers' zod schemas, io "input"), and the pure edits
// the form makes to a node's data.
import { describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { NODE_HANDLERS } from "../../worker/flow/nodes/index";
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
  type Field,
  type JsonSchema,
} from "../../web/src/lib/schema-form";

// The node registry reaches the CODE sandbox's WebAssembly and the Workers socket API, neither of
// which Node has; the schemas need neither.
vi.mock("@jitl/quickjs-wasmfile-release-sync/wasm", () => ({ default: {} }));
vi.mock("cloudflare:sockets", () => ({ connect: () => Promise.reject(new Error("no sockets in this test")) }));

function schemaOf(type: string): JsonSchema {
  const handler = NODE_HANDLERS[type];
  return z.toJSONSchema(handler.dataSchema ?? z.object({}), { io: "input", unrepresentable: "any" }) as JsonSchema;
}

/** A field as a short line: key, control (with what matters of it), required or not. */
function summary(field: Field): string {
  const required = field.required ? " required" : "";
  switch (field.kind) {
    case "select":
      return `${field.key}: select(${field.options.join("|")})${required}`;
    case "connector":
      return `${field.key}: connector(${field.connectorType})${required}`;
    case "number":
      return `${field.key}: ${field.integer ? "integer" : "number"}(${field.minimum ?? ""}..${field.maximum ?? ""})${required}`;
    case "text":
      return `${field.key}: ${field.multiline ? "text(multiline)" : "text"}${required}`;
    case "map":
      return `${field.key}: map(${field.value.kind})${required}`;
    case "list":
      return `${field.key}: list(${field.item.kind})${required}`;
    case "objects":
      return `${field.key}: objects(${field.fields.map(summary).join(", ")})${required}`;
    case "union":
      return `${field.key}: union(${field.choices.map((choice) => (choice.kind === "const" ? JSON.stringify(choice.value) : choice.control.kind)).join("|")})${required}`;
    default:
      return `${field.key}: ${field.kind}${required}`;
  }
}

const DATABASE_FIELDS = [
  "connector: connector(postgres) required",
  "sql: text(multiline) required",
  "params: list(expression)",
  "timeoutMs: integer(1..300000)",
  "retries: integer(0..10)",
  "retryDelayMs: integer(0..10000)",
];

/** The form of every node type: what a person gets to edit. */
const FORMS: Record<string, string[]> = {
  START: [],
  END: ["output: expression"],
  ASSIGN: ["assign: map(expression)", "vars: map(expression)"],
  SWITCH: ["cases: objects(when: expression required, port: text required) required", "mode: select(first|all)"],
  FOREACH: ["items: expression", "while: expression", "maxIterations: integer(0..)", "collect: expression"],
  LOG: ["message: expression required", "level: select(info|warn|error)"],
  WAIT: ["seconds: expression", "until: expression"],
  BUSINESS_RULE: ["rule: rule required", 'version: union(number|"latest")', "input: expression"],
  REST_API: [
    "method: select(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)",
    "url: expression required",
    "headers: map(expression)",
    "body: expression",
    "timeoutMs: integer(1..300000)",
    "retries: integer(0..10)",
    "retryDelayMs: integer(0..10000)",
    "failOnError: boolean",
    "connector: connector(http)",
    "items: expression",
    "concurrency: integer(1..50)",
  ],
  DATABASE_QUERY: [...DATABASE_FIELDS, "batchSize: integer(1..10000)", "keyColumn: text"],
  DATABASE_ROW: DATABASE_FIELDS,
  DATABASE_EXECUTE: [...DATABASE_FIELDS, "rows: expression"],
  CODE: ["code: code required", "timeoutMs: integer(1..10000)"],
};

describe("schema to form, for every node type", () => {
  it("has a form for every node type the API accepts", () => {
    expect(Object.keys(FORMS).sort()).toEqual(Object.keys(NODE_HANDLERS).sort());
  });

  for (const type of Object.keys(NODE_HANDLERS)) {
    it(`${type}: each data field gets its control, in schema order, none left as raw JSON`, () => {
      const fields = fieldsOf(schemaOf(type));
      expect(fields.map(summary)).toEqual(FORMS[type] ?? []);
      expect(fields.filter((field) => field.kind === "json")).toEqual([]);
      for (const field of fields) expect(field.label).toBe(field.key);
    });
  }

  it("keeps defaults and help texts for placeholders and notes", () => {
    const log = fieldsOf(schemaOf("LOG"));
    expect(log.find((field) => field.key === "level")?.default).toBe("info");
    const rest = fieldsOf(schemaOf("REST_API"));
    expect(rest.find((field) => field.key === "failOnError")?.default).toBe(true);
    expect(rest.find((field) => field.key === "url")?.description).toMatch(/quotes/);
    const rule = fieldsOf(schemaOf("BUSINESS_RULE"));
    expect(rule.find((field) => field.key === "version")).toMatchObject({
      default: "latest",
      choices: [
        { kind: "field", label: "a whole number", control: { kind: "number", integer: true, minimum: 1 } },
        { kind: "const", label: "latest", value: "latest" },
      ],
    });
    expect(rule.find((field) => field.key === "input")?.default).toBe("input");
  });
});

describe("schema to form, other shapes", () => {
  it("maps nullable values to their type, other unions to choices, and anything unknown to JSON", () => {
    const fields = fieldsOf({
      type: "object",
      properties: {
        note: { anyOf: [{ type: "string" }, { type: "null" }] },
        mode: { oneOf: [{ const: "fast" }, { const: "slow" }] },
        limits: { type: "array", items: { type: "integer", minimum: 0 } },
        extra: { type: "object", properties: { a: { type: "string" } } },
        anything: {},
        flag: { type: "boolean" },
        tags: { type: "object", additionalProperties: { type: "string" } },
      },
      required: ["mode"],
    });
    expect(fields.map(summary)).toEqual([
      "note: text",
      'mode: union("fast"|"slow") required',
      "limits: list(number)",
      "extra: json",
      "anything: json",
      "flag: boolean",
      "tags: map(text)",
    ]);
  });

  it("gives an object without properties no fields", () => {
    expect(fieldsOf({ type: "object" })).toEqual([]);
    expect(fieldsOf(undefined)).toEqual([]);
  });
});

describe("form edits of a node's data", () => {
  const optional = { key: "body", required: false };
  const required = { key: "url", required: true };

  it("leaves an emptied optional field out instead of saving an empty value, and keeps the others in order", () => {
    const data = { method: "POST", body: "input", url: "'https://x.test'" };
    expect(withField(data, optional, "")).toEqual({ method: "POST", url: "'https://x.test'" });
    expect(withField(data, optional, undefined)).toEqual({ method: "POST", url: "'https://x.test'" });
    expect(withField(data, { key: "headers", required: false }, {})).toEqual(data);
    expect(withField(data, { key: "params", required: false }, [])).toEqual(data);
    expect(Object.keys(withField(data, optional, "input.order"))).toEqual(["method", "body", "url"]);
    expect(withField(undefined, optional, "x")).toEqual({ body: "x" });
  });

  it("keeps an emptied required field as empty text, so the save names it", () => {
    expect(withField({ url: "'a'" }, required, "")).toEqual({ url: "" });
    expect(withField({ cases: [{ when: "a", port: "b" }] }, { key: "cases", required: true }, [])).toEqual({ cases: [] });
  });

  it("reads a number's text: empty is no value, a number its value, anything else kept for the save to refuse", () => {
    expect(numberFrom("")).toBeUndefined();
    expect(numberFrom("  ")).toBeUndefined();
    expect(numberFrom("1500")).toBe(1500);
    expect(numberFrom(" 2.5 ")).toBe(2.5);
    expect(numberFrom("abc")).toBe("abc");
  });

  it("turns map rows into the object, rows without a key left out, and back in order", () => {
    expect(mapRows({ total: "1", count: "2" })).toEqual([
      ["total", "1"],
      ["count", "2"],
    ]);
    expect(mapRows(undefined)).toEqual([]);
    expect(mapOf([["total", "$sum(x)"], ["", "half typed"], ["count", "1"]])).toEqual({ total: "$sum(x)", count: "1" });
  });

  it("knows which union choice a value is", () => {
    const choices = fieldsOf(schemaOf("BUSINESS_RULE")).find((field) => field.key === "version");
    if (choices?.kind !== "union") throw new Error("version is a union");
    expect(choiceIndex(choices.choices, "latest")).toBe(1);
    expect(choiceIndex(choices.choices, 3)).toBe(0);
    expect(choiceIndex(choices.choices, undefined)).toBe(0);
  });

  it("names entries as the save's errors do, and finds errors no control shows", () => {
    expect(entryPath("assign", "total")).toBe("assign.total");
    expect(entryPath("params", 0)).toBe("params[0]");
    expect(entryPath("cases", 1, "when")).toBe("cases[1].when");
    const fields = fieldsOf(schemaOf("SWITCH"));
    const data = { cases: [{ when: "a", port: "b" }] };
    const paths = controlPaths(fields, data);
    expect(paths).toEqual(["cases", "cases[0]", "cases[0].when", "cases[0].port", "mode"]);
    const errors = [
      { field: "name", message: "is taken" },
      { field: "cases[0].when", message: "is not a valid JSONata expression" },
      { field: "", message: "needs exactly one of `seconds` or `until`" },
    ];
    expect(unplacedErrors(errors, paths)).toEqual([{ field: "", message: "needs exactly one of `seconds` or `until`" }]);
    expect(errorsAt(errors, "cases[0].when")).toHaveLength(1);
  });
});
