// Validation of a rule definition on save: the shape (zod), then the checks that make a flow or a
// decision table runnable (flow-checks.ts, table-checks.ts). Every problem is reported at once, each
// with a path naming the node (by name) or row and the field. Pure: what it needs of the space (the
// rules a BUSINESS_RULE names, the connectors nodes name) is given by the service.
import { DecisionTable } from "../decisions/table";
import { FlowDefinition } from "../flow/definition";
import { JsonSchema } from "../flow/json-schema";
import { Problem, type FieldError } from "../errors";
import { checkFlow } from "./flow-checks";
import { awaitedChecks } from "./node-checks";
import { DEFINITION, nodePath, zodErrors } from "./paths";
import { checkConnectorReferences, checkReferences, type KnownConnectors, type KnownRules } from "./references";
import { checkTable } from "./table-checks";

export const RULE_TYPES = ["integration-flow", "decision-flow", "decision-table"] as const;
export type RuleType = (typeof RULE_TYPES)[number];
/** The types whose definition is a flow (§6): an integration flow runs as a job, a decision flow is solved in the request (§13). */
export const FLOW_TYPES = ["integration-flow", "decision-flow"] as const satisfies readonly RuleType[];
export type FlowType = (typeof FLOW_TYPES)[number];

export function isFlowType(type: RuleType): type is FlowType {
  return (FLOW_TYPES as readonly RuleType[]).includes(type);
}

export const DEFINITION_LIMIT_BYTES = 1024 * 1024;
export const NODE_LIMIT = 2000;

export class InvalidDefinition extends Problem {
  constructor(errors: FieldError[]) {
    super(422, "invalid-definition", "Invalid rule definition", `The definition has ${errors.length} problem(s).`, errors);
  }
}

/**
 * The definition as it is stored, or InvalidDefinition listing every problem. `rules` holds the
 * space's rules that the definition's BUSINESS_RULE nodes name (references.ts, referencedRules), and
 * `connectors` the space's connectors its nodes name (referencedConnectors).
 */
export async function validateDefinition(type: RuleType, definition: unknown, rules: KnownRules, connectors: KnownConnectors): Promise<unknown> {
  const size = new TextEncoder().encode(JSON.stringify(definition ?? null)).byteLength;
  if (size > DEFINITION_LIMIT_BYTES) {
    throw new InvalidDefinition([{ path: DEFINITION, message: `is ${size} bytes; the limit is 1 MiB` }]);
  }
  return type === "decision-table" ? validateTable(definition) : validateFlow(type, definition, rules, connectors);
}

function validateTable(definition: unknown): unknown {
  const parsed = DecisionTable.safeParse(definition);
  if (!parsed.success) throw new InvalidDefinition(zodErrors(parsed.error, DEFINITION));
  const errors = checkTable(parsed.data);
  if (errors.length > 0) throw new InvalidDefinition(errors);
  // The definition is stored as sent (defaults are applied when the table is evaluated).
  return definition;
}

async function validateFlow(type: FlowType, definition: unknown, rules: KnownRules, connectors: KnownConnectors): Promise<unknown> {
  const parsed = FlowDefinition.safeParse(definition);
  if (!parsed.success) throw new InvalidDefinition(zodErrors(parsed.error, DEFINITION, (segments) => byNodeName(definition, segments)));
  if (parsed.data.nodes.length > NODE_LIMIT) {
    throw new InvalidDefinition([{ path: `${DEFINITION}.nodes`, message: `has ${parsed.data.nodes.length} nodes; the limit is ${NODE_LIMIT}` }]);
  }
  const errors: FieldError[] = [];
  if (parsed.data.inputSchema !== undefined) {
    const schema = JsonSchema.safeParse(parsed.data.inputSchema);
    if (!schema.success) errors.push(...zodErrors(schema.error, `${DEFINITION}.inputSchema`));
  }
  errors.push(...checkFlow(parsed.data), ...checkReferences(parsed.data, rules), ...checkConnectorReferences(parsed.data, connectors));
  errors.push(...(await awaitedChecks(parsed.data)));
  if (type === "decision-flow") errors.push(...unsolvableNodes(parsed.data));
  if (errors.length > 0) throw new InvalidDefinition(errors);
  return parsed.data;
}

/**
 * Why a flow cannot be a decision flow: each WAIT node. A decision flow answers within the request
 * (DESIGN.md §13), so a durable sleep on the alarm has nowhere to happen.
 */
export function unsolvableNodes(definition: Pick<FlowDefinition, "nodes">, prefix = ""): FieldError[] {
  return definition.nodes.filter((node) => node.type === UNSOLVABLE_NODE_TYPE).map((node) => unsolvableNode(node.name, prefix));
}

/** The node type a decision flow cannot have, for a check that reads stored definitions in SQL (changeType). */
export const UNSOLVABLE_NODE_TYPE = "WAIT";

/** The refusal of one WAIT node, named by its node's name. */
export function unsolvableNode(name: string, prefix = ""): FieldError {
  return {
    path: `${prefix}${nodePath(name)}.type`,
    message: "is WAIT, which a decision flow cannot have: it answers within the request; remove the WAIT or make the rule an integration flow (a job)",
  };
}

/** `nodes.3.data` → `nodes[fetch-orders].data` when node 3 has a name. */
function byNodeName(definition: unknown, segments: readonly PropertyKey[]) {
  const [field, index, ...rest] = segments;
  const nodes = (definition as { nodes?: unknown } | null)?.nodes;
  if (field === "nodes" && typeof index === "number" && Array.isArray(nodes)) {
    const name = (nodes[index] as { name?: unknown } | null)?.name;
    if (typeof name === "string" && name !== "") return { prefix: nodePath(name), rest };
  }
  return { prefix: DEFINITION, rest: segments };
}
