// The static structure of a flow, computed once per definition object: which scope (root or a
// FOREACH body) each node runs in, and per scope the in-scope edges the engine counts down.
import { LOOP_NODE_TYPES, LOOP_PORT, DEFAULT_PORT, type FlowDefinition, type FlowNode } from "./definition";

export interface Edge {
  target: string;
  port: string;
}

export interface Scope {
  /** The FOREACH whose body this is; null for the root scope. */
  loopNode: string | null;
  /** Nesting depth: 0 for the root, 1 for a top-level loop's body, … */
  depth: number;
  members: string[];
  /** Per member, how many in-scope connections must resolve before it can run or be skipped. */
  incomingCounts: Record<string, number>;
  /** Members the scope starts with: START for the root, the `loop` targets for a body. */
  entries: string[];
  /** Members no in-scope connection reaches: skipped as soon as the scope starts. */
  unreachable: string[];
}

export interface FlowGraph {
  nodes: Record<string, FlowNode>;
  start: string | null;
  /** Structural errors that make the flow impossible to run (save-time validation reports more). */
  problems: string[];
  /** Innermost FOREACH whose body holds the node; null for the root scope. */
  scopeOf: Record<string, string | null>;
  /** Scopes keyed by loop node id; the root scope under null. Parents come before children. */
  scopes: Map<string | null, Scope>;
  /** Per node, the connections that stay in its scope (dependencies of its successors). */
  outgoing: Record<string, Edge[]>;
}

/** Names the expression context already uses for something else. */
const RESERVED_NAMES = new Set(["input", "vars"]);

const graphs = new WeakMap<FlowDefinition, FlowGraph>();

/** The graph of `definition`, built on first use; definitions are immutable snapshots, so identity is a safe key. */
export function graphOf(definition: FlowDefinition): FlowGraph {
  let graph = graphs.get(definition);
  if (!graph) {
    graph = buildGraph(definition);
    graphs.set(definition, graph);
  }
  return graph;
}

function buildGraph(definition: FlowDefinition): FlowGraph {
  const problems: string[] = [];
  const nodes: Record<string, FlowNode> = {};
  for (const node of definition.nodes) {
    if (Object.hasOwn(nodes, node.id)) problems.push(`Node id '${node.id}' is used more than once.`);
    if (RESERVED_NAMES.has(node.name)) problems.push(`Node '${node.id}' is named '${node.name}', a name reserved for the flow's ${node.name}.`);
    // Ids and names become object keys in the checkpoint and the expression context.
    if (node.id === "__proto__" || node.name === "__proto__") problems.push(`Node '${node.id}' may not use '__proto__' as its id or name.`);
    nodes[node.id] = node;
  }
  const starts = definition.nodes.filter((node) => node.type === "START");
  if (starts.length !== 1) {
    problems.push(`A flow needs exactly one START node; this one has ${starts.length}.`);
  }
  const start = starts.length === 1 ? starts[0].id : null;

  const edgesFrom: Record<string, Edge[]> = {};
  for (const id of Object.keys(nodes)) edgesFrom[id] = [];
  definition.connections.forEach((connection, index) => {
    for (const end of [connection.source, connection.target]) {
      if (!Object.hasOwn(nodes, end)) problems.push(`Connection ${index} refers to unknown node '${end}'.`);
    }
    // A node never waits for itself; for a FOREACH such an edge only marks the end of an iteration.
    if (connection.source === connection.target || !Object.hasOwn(nodes, connection.target)) return;
    edgesFrom[connection.source]?.push({ target: connection.target, port: connection.port ?? DEFAULT_PORT });
  });

  const loopNodes = Object.keys(nodes).filter((id) => LOOP_NODE_TYPES.has(nodes[id].type));
  const bodies = new Map(loopNodes.map((loop) => [loop, bodyOf(loop, edgesFrom)]));
  const scopeOf = assignScopes(nodes, loopNodes, bodies, problems);
  if (start !== null && scopeOf[start] !== null) {
    problems.push(`The START node '${nodes[start].name}' is inside the body of FOREACH '${nodes[scopeOf[start]!].name}'.`);
  }
  const scopes = buildScopes(nodes, start, scopeOf, edgesFrom);

  const outgoing: Record<string, Edge[]> = {};
  for (const id of Object.keys(nodes)) {
    outgoing[id] = edgesFrom[id].filter((edge) => edge.target !== start && scopeOf[edge.target] === scopeOf[id]);
  }
  return { nodes, start, problems, scopeOf, scopes, outgoing };
}

/** Everything reachable from the loop node's `loop` connections without passing through the loop node. */
function bodyOf(loop: string, edgesFrom: Record<string, Edge[]>): Set<string> {
  const body = new Set<string>();
  const queue = edgesFrom[loop].filter((edge) => edge.port === LOOP_PORT).map((edge) => edge.target);
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (id === loop || body.has(id)) continue;
    body.add(id);
    for (const edge of edgesFrom[id]) queue.push(edge.target);
  }
  return body;
}

/** A node's scope is the smallest body holding it; bodies holding the same node must nest. */
function assignScopes(
  nodes: Record<string, FlowNode>,
  loopNodes: string[],
  bodies: Map<string, Set<string>>,
  problems: string[],
): Record<string, string | null> {
  for (const [index, outer] of loopNodes.entries()) {
    for (const inner of loopNodes.slice(index + 1)) {
      if (bodies.get(outer)!.has(inner) && bodies.get(inner)!.has(outer)) {
        problems.push(
          `FOREACH '${nodes[outer].name}' and FOREACH '${nodes[inner].name}' each lead into the other's body; ` +
            `a loop body may only lead back to its own FOREACH.`,
        );
      }
    }
  }
  const scopeOf: Record<string, string | null> = {};
  for (const id of Object.keys(nodes)) {
    const holders = loopNodes.filter((loop) => bodies.get(loop)!.has(id));
    holders.sort((a, b) => bodies.get(a)!.size - bodies.get(b)!.size);
    for (let index = 1; index < holders.length; index++) {
      const inner = holders[index - 1];
      const outer = holders[index];
      if (!bodies.get(outer)!.has(inner)) {
        problems.push(
          `Node '${nodes[id].name}' is in the bodies of FOREACH '${nodes[inner].name}' and FOREACH '${nodes[outer].name}', which do not nest.`,
        );
      }
    }
    scopeOf[id] = holders[0] ?? null;
  }
  return scopeOf;
}

function buildScopes(
  nodes: Record<string, FlowNode>,
  start: string | null,
  scopeOf: Record<string, string | null>,
  edgesFrom: Record<string, Edge[]>,
): Map<string | null, Scope> {
  const depthOf = (scope: string | null): number => {
    let depth = 0;
    const seen = new Set<string>();
    for (let loop = scope; loop !== null && !seen.has(loop); loop = scopeOf[loop]) {
      seen.add(loop);
      depth++;
    }
    return depth;
  };
  const keys: (string | null)[] = [null, ...Object.keys(nodes).filter((id) => LOOP_NODE_TYPES.has(nodes[id].type))];
  keys.sort((a, b) => depthOf(a) - depthOf(b));

  const scopes = new Map<string | null, Scope>();
  for (const key of keys) {
    scopes.set(key, { loopNode: key, depth: depthOf(key), members: [], incomingCounts: {}, entries: [], unreachable: [] });
  }
  for (const id of Object.keys(nodes)) {
    const scope = scopes.get(scopeOf[id])!;
    scope.members.push(id);
    scope.incomingCounts[id] = 0;
  }
  for (const [source, edges] of Object.entries(edgesFrom)) {
    for (const edge of edges) {
      if (edge.target === start) continue;
      const targetScope = scopeOf[edge.target];
      const entersBody = edge.port === LOOP_PORT && targetScope === source;
      if (targetScope !== scopeOf[source] && !entersBody) continue;
      scopes.get(targetScope)!.incomingCounts[edge.target]++;
      if (entersBody) scopes.get(targetScope)!.entries.push(edge.target);
    }
  }
  if (start !== null) scopes.get(scopeOf[start])!.entries.push(start);
  for (const scope of scopes.values()) {
    scope.unreachable = scope.members.filter((id) => scope.incomingCounts[id] === 0 && id !== start);
  }
  return scopes;
}
