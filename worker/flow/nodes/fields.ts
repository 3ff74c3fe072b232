// The kinds of string field a node's `data` has, marked in each schema's metadata so its JSON Schema
// (GET /api/node-types) tells the console's inspector which control to draw. Metadata only: each
// helper validates exactly as a plain z.string(), so every constraint stays with the field.
import { z } from "zod";
import type { ConnectorType } from "../../connectors/types";

/** A JSONata expression over the flow's context (compiled on save): `format: "jsonata"`. */
export function expression() {
  return z.string().meta({ format: "jsonata" });
}

/** The body of a JavaScript function, for CODE: `format: "javascript"`. */
export function code() {
  return z.string().meta({ format: "javascript" });
}

/** SQL text sent as it is, with $1…$n placeholders (never an expression): `format: "sql"`. */
export function sql() {
  return z.string().meta({ format: "sql" });
}

/** The alias of a connector of `type` in the job's space (DESIGN.md §11): `"x-connector": type`. */
export function connectorAlias(type: ConnectorType) {
  return z.string().meta({ "x-connector": type });
}

/** The id or alias of a decision table of the same space: `"x-rule": true`. */
export function ruleRef() {
  return z.string().meta({ "x-rule": true });
}
