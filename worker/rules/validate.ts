// Validation of a rule definition on save. Issue 3 adds the graph checks (one START, known node
// ids, ports, cycles, reachability, expressions) and decision tables; this checks the shape.
import { z } from "zod";
import { FlowDefinition } from "../flow/definition";
import { Problem, type FieldError } from "../http/problems";

export const RULE_TYPES = ["integration-flow", "decision-table"] as const;
export type RuleType = (typeof RULE_TYPES)[number];

export const DEFINITION_LIMIT_BYTES = 1024 * 1024;
export const NODE_LIMIT = 2000;

export class InvalidDefinition extends Problem {
  constructor(errors: FieldError[]) {
    super(422, "invalid-definition", "Invalid rule definition", `The definition has ${errors.length} problem(s).`, errors);
  }
}

export function validateDefinition(type: RuleType, definition: unknown): unknown {
  const size = new TextEncoder().encode(JSON.stringify(definition ?? null)).byteLength;
  if (size > DEFINITION_LIMIT_BYTES) {
    throw new InvalidDefinition([{ path: "definition", message: `is ${size} bytes; the limit is 1 MiB` }]);
  }
  if (type === "decision-table") {
    const parsed = z.record(z.string(), z.unknown()).safeParse(definition);
    if (!parsed.success) throw new InvalidDefinition(zodErrors(parsed.error, "definition"));
    return parsed.data;
  }
  const parsed = FlowDefinition.safeParse(definition);
  if (!parsed.success) throw new InvalidDefinition(zodErrors(parsed.error, "definition"));
  if (parsed.data.nodes.length > NODE_LIMIT) {
    throw new InvalidDefinition([
      { path: "definition.nodes", message: `has ${parsed.data.nodes.length} nodes; the limit is ${NODE_LIMIT}` },
    ]);
  }
  return parsed.data;
}

export function zodErrors(error: z.ZodError, prefix: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [prefix, ...issue.path.map(String)].join("."),
    message: issue.message,
  }));
}
