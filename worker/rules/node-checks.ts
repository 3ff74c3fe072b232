// Save-time checks of one node: a known type, `data` matching the type's own schema (the one the
// node parses when it runs), every expression in it compiling as JSONata, and the checks a node type
// must await (CODE compiling its code in the sandbox).
import { DEFAULT_PORT, type FlowDefinition, type FlowNode } from "../flow/definition";
import { syntaxProblem } from "../flow/expressions";
import { NODE_HANDLERS } from "../flow/nodes/index";
import type { FieldError } from "../errors";
import { joinPath, nodePath } from "./paths";

export interface NodeCheck {
  errors: FieldError[];
  /** The out-ports the node has; null when its type or data is too broken to tell. */
  ports: string[] | null;
}

export function checkNode(node: FlowNode): NodeCheck {
  const path = nodePath(node.name);
  const handler = Object.hasOwn(NODE_HANDLERS, node.type) ? NODE_HANDLERS[node.type] : undefined;
  if (!handler) {
    const known = Object.keys(NODE_HANDLERS).join(", ");
    return { errors: [{ path: `${path}.type`, message: `'${node.type}' is not a node type; the types are ${known}` }], ports: null };
  }
  if (!handler.dataSchema) return { errors: [], ports: [DEFAULT_PORT] };
  const parsed = handler.dataSchema.safeParse(node.data ?? {});
  if (!parsed.success) {
    const errors = parsed.error.issues.map((issue) => ({ path: joinPath(`${path}.data`, issue.path), message: issue.message }));
    return { errors, ports: null };
  }
  const errors: FieldError[] = [];
  for (const [field, expression] of handler.expressions?.(parsed.data as never) ?? []) {
    const problem = syntaxProblem(expression);
    if (problem) errors.push({ path: `${path}.data.${field}`, message: `is not a valid JSONata expression: ${problem}` });
  }
  return { errors, ports: handler.ports?.(parsed.data as never) ?? [DEFAULT_PORT] };
}

/** The awaited checks (NodeHandler.check) of every node whose data parses, run together. */
export async function awaitedChecks(definition: FlowDefinition): Promise<FieldError[]> {
  const checks = definition.nodes.map(async (node): Promise<FieldError[]> => {
    const handler = Object.hasOwn(NODE_HANDLERS, node.type) ? NODE_HANDLERS[node.type] : undefined;
    if (!handler?.check || !handler.dataSchema) return [];
    const parsed = handler.dataSchema.safeParse(node.data ?? {});
    if (!parsed.success) return [];
    const problems = await handler.check(parsed.data as never);
    return problems.map(({ field, message }) => ({ path: `${nodePath(node.name)}.data.${field}`, message }));
  });
  return (await Promise.all(checks)).flat();
}
