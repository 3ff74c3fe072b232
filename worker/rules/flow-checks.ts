// Save-time checks of an Integration Flow's graph (DESIGN.md §6), so a flow that cannot run is refused
// with every problem listed instead of failing its first job: exactly one START, unique ids and names,
// connections between known nodes from ports the source has, no cycle outside a FOREACH body, every
// node reachable, and each node's data and expressions (node-checks.ts).
import { LOOP_NODE_TYPES, type FlowDefinition, type FlowNode } from "../flow/definition";
import { graphOf, type FlowGraph } from "../flow/graph";
import type { FieldError } from "../errors";
import { checkNode } from "./node-checks";
import { connectionPath, DEFINITION, nodePath } from "./paths";

/** Names the expression context already uses, and one no object key may have. */
const RESERVED_NAMES = new Set(["input", "vars", "__proto__"]);

export function checkFlow(definition: FlowDefinition): FieldError[] {
  const errors: FieldError[] = [];
  const byId = new Map<string, FlowNode>();
  const ports = new Map<string, string[] | null>();
  const idCounts = countBy(definition.nodes, (node) => node.id);
  const nameCounts = countBy(definition.nodes, (node) => node.name);

  for (const node of definition.nodes) {
    const path = nodePath(node.name);
    if (idCounts.get(node.id)! > 1) errors.push({ path: `${path}.id`, message: `id '${node.id}' is used by ${idCounts.get(node.id)} nodes; ids must be unique` });
    if (node.id === "__proto__") errors.push({ path: `${path}.id`, message: "'__proto__' cannot be a node id" });
    if (nameCounts.get(node.name)! > 1) {
      errors.push({ path: `${path}.name`, message: `is used by ${nameCounts.get(node.name)} nodes; names must be unique, as expressions refer to nodes by name` });
    }
    if (RESERVED_NAMES.has(node.name)) errors.push({ path: `${path}.name`, message: `'${node.name}' is reserved (expressions use it for the flow's own ${node.name})` });
    const check = checkNode(node);
    errors.push(...check.errors);
    if (!byId.has(node.id)) {
      byId.set(node.id, node);
      ports.set(node.id, check.ports);
    }
  }

  const starts = definition.nodes.filter((node) => node.type === "START");
  if (starts.length === 0) errors.push({ path: `${DEFINITION}.nodes`, message: "has no START node; a flow needs exactly one" });
  for (const extra of starts.slice(1)) errors.push({ path: `${nodePath(extra.name)}.type`, message: `is a second START node (the first is '${starts[0].name}'); a flow needs exactly one` });

  const connectionErrors = checkConnections(definition, byId, ports);
  errors.push(...connectionErrors);
  // Cycles and reachability are only meaningful on a graph whose nodes and connections are sound.
  if (errors.length > 0) return errors;
  const graph = graphOf(definition);
  if (graph.problems.length > 0) return graph.problems.map((message) => ({ path: `${DEFINITION}.connections`, message }));
  return [...checkCycles(definition, graph), ...checkReachable(definition, graph)];
}

function checkConnections(definition: FlowDefinition, byId: Map<string, FlowNode>, ports: Map<string, string[] | null>): FieldError[] {
  const errors: FieldError[] = [];
  definition.connections.forEach((connection, index) => {
    const path = connectionPath(index);
    const source = byId.get(connection.source);
    const target = byId.get(connection.target);
    if (!source) errors.push({ path: `${path}.source`, message: `refers to unknown node id '${connection.source}'` });
    if (!target) errors.push({ path: `${path}.target`, message: `refers to unknown node id '${connection.target}'` });
    if (target?.type === "START") errors.push({ path: `${path}.target`, message: `leads into START '${target.name}'; nothing may lead into START` });
    if (source && connection.source === connection.target && !LOOP_NODE_TYPES.has(source.type)) {
      errors.push({ path: `${path}.target`, message: `leads from '${source.name}' back to itself; only a FOREACH can repeat nodes` });
    }
    const sourcePorts = source ? ports.get(source.id) : null;
    const port = connection.port ?? "default";
    if (source && sourcePorts && !sourcePorts.includes(port)) {
      const field = connection.port === undefined ? `${path}` : `${path}.port`;
      errors.push({ path: field, message: `${source.type} '${source.name}' has no port '${port}'; its ports are ${sourcePorts.join(", ")}` });
    }
  });
  return errors;
}

/** A cycle among the connections a scope counts down would wait forever; loops must go through a FOREACH. */
function checkCycles(definition: FlowDefinition, graph: FlowGraph): FieldError[] {
  const errors: FieldError[] = [];
  const color = new Map<string, "open" | "closed">();
  const names = (ids: string[]) => ids.map((id) => graph.nodes[id].name).join(" → ");
  for (const root of Object.keys(graph.nodes)) {
    if (color.has(root)) continue;
    // Iterative depth-first search: a chain of 2,000 nodes must not overflow the stack.
    const stack: { id: string; next: number }[] = [{ id: root, next: 0 }];
    color.set(root, "open");
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      const edges = graph.outgoing[top.id];
      if (top.next >= edges.length) {
        color.set(top.id, "closed");
        stack.pop();
        continue;
      }
      const target = edges[top.next++].target;
      if (color.get(target) === "open") {
        const cycle = [...stack.slice(stack.findIndex((frame) => frame.id === target)).map((frame) => frame.id), target];
        const index = definition.connections.findIndex((connection) => connection.source === top.id && connection.target === target);
        errors.push({
          path: `${connectionPath(index)}.target`,
          message: `closes the cycle ${names(cycle)}; a flow can only repeat nodes in the body of a FOREACH (port loop), leading back to it`,
        });
      } else if (!color.has(target)) {
        color.set(target, "open");
        stack.push({ id: target, next: 0 });
      }
    }
  }
  return errors;
}

/** Nodes nothing leads to would be skipped on every run: almost always a connection forgotten. */
function checkReachable(definition: FlowDefinition, graph: FlowGraph): FieldError[] {
  const reached = new Set<string>();
  const queue = graph.start === null ? [] : [graph.start];
  const targets = new Map<string, string[]>();
  for (const connection of definition.connections) {
    targets.set(connection.source, [...(targets.get(connection.source) ?? []), connection.target]);
  }
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (reached.has(id)) continue;
    reached.add(id);
    queue.push(...(targets.get(id) ?? []));
  }
  const errors: FieldError[] = [];
  for (const scope of graph.scopes.values()) {
    const unreachable = new Set(scope.unreachable);
    for (const id of scope.members) {
      const node = graph.nodes[id];
      if (!reached.has(id)) {
        errors.push({ path: nodePath(node.name), message: "is not reachable from START; connect it or remove it" });
      } else if (unreachable.has(id)) {
        const loop = graph.nodes[scope.loopNode!];
        errors.push({
          path: nodePath(node.name),
          message: `is in the body of FOREACH '${loop.name}' but only reached from outside it; lead into a body through the FOREACH's loop port`,
        });
      }
    }
  }
  return errors;
}

function countBy<T>(items: T[], key: (item: T) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
}
